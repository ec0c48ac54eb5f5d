package reach

// newPerl is a placeholder until the perl language is written.
func newPerl(img *Image) Language { return nothing{} }
