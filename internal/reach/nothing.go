package reach

// nothing claims no file: the language of a constructor that is still a
// placeholder.
type nothing struct{}

func (nothing) Claims(string, []byte) bool            { return false }
func (nothing) Reach(string, []byte) ([]Found, error) { return nil, nil }
