package reach

// newShell is a placeholder until the shell language is written.
func newShell(img *Image) Language { return nothing{} }

// nothing claims no file.
type nothing struct{}

func (nothing) Claims(string, []byte) bool            { return false }
func (nothing) Reach(string, []byte) ([]Found, error) { return nil, nil }
