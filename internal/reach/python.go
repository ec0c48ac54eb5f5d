package reach

// newPython is a placeholder until the python language is written.
func newPython(img *Image) Language { return nothing{} }
