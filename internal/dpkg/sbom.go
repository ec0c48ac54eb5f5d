package dpkg

import "github.com/dietimg/diet/internal/sbom"

// SBOM is p's record in an SBOM, as diet build and diet slim list the
// Debian packages their files came from.
func (p *Package) SBOM() sbom.Package {
	return sbom.Package{
		Name: p.Name, Version: p.Version, Architecture: p.Architecture, PURL: p.PURL(),
		Supplier: "Organization: Debian", Source: p.Source, Homepage: p.Homepage,
	}
}
