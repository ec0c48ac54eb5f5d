package reach

// newJava is a placeholder until the java language is written.
func newJava(img *Image) Language { return nothing{} }
