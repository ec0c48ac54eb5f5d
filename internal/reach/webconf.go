package reach

// newWebConf is a placeholder until the webconf language is written.
func newWebConf(img *Image) Language { return nothing{} }
