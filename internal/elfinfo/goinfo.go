package elfinfo

import (
	"debug/buildinfo"
	"debug/elf"
)

// readGo returns the build information of a Go binary, nil for others.
//
// buildinfo.Read parses the ELF headers again and, without a
// .go.buildinfo section, searches the first writable segment, so it only
// runs when the file looks like Go: a .go.buildinfo section, or no
// section headers at all.
func (p *parser) readGo() *GoInfo {
	if len(p.ef.Sections) > 0 && p.ef.Section(".go.buildinfo") == nil {
		return nil
	}
	if len(p.ef.Sections) == 0 && !hasWritableLoad(p.ef) {
		return nil
	}
	bi, err := buildinfo.Read(p.r)
	if err != nil {
		return nil
	}
	g := &GoInfo{
		Version: bi.GoVersion,
		Path:    bi.Path,
		Module:  bi.Main.Path,
	}
	for _, s := range bi.Settings {
		if g.Settings == nil {
			g.Settings = make(map[string]string, len(bi.Settings))
		}
		g.Settings[s.Key] = s.Value
	}
	g.CgoEnabled = g.Settings["CGO_ENABLED"] == "1"
	g.Trimpath = g.Settings["-trimpath"] == "true"
	return g
}

func hasWritableLoad(ef *elf.File) bool {
	for _, prog := range ef.Progs {
		if prog.Type == elf.PT_LOAD && prog.Flags&(elf.PF_X|elf.PF_W) == elf.PF_W {
			return true
		}
	}
	return false
}
