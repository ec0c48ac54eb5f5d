package analyze

// AddReasons fills a.Reasons from an SBOM found outside the image, when
// the image itself recorded none and every file the SBOM names is in the
// image (an SBOM of another build is not taken for this one's).
func (a *Analysis) AddReasons(sbom []byte, from string) bool {
	if len(a.Reasons) > 0 || sbom == nil {
		return false
	}
	rs := ReasonsFromSPDX(sbom)
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if !a.has[r.Path] {
			return false
		}
	}
	a.Reasons, a.ReasonsFrom = rs, from
	return true
}
