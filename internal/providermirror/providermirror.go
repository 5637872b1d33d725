// Package providermirror lays out the provider as a Terraform filesystem mirror, so that
// terraform init installs a locally built provider with no registry.
package providermirror

import (
	"fmt"
	"path/filepath"
	"runtime"
)

// Source is the provider's address.
const Source = "registry.terraform.io/opencatalog/catalog"

// BinaryPath is where a mirror rooted at mirror keeps the provider binary of version for
// this platform (the unpacked layout).
func BinaryPath(mirror, version string) string {
	return filepath.Join(mirror, filepath.FromSlash(Source), version, runtime.GOOS+"_"+runtime.GOARCH,
		"terraform-provider-catalog_v"+version)
}

// CLIConfig is a terraform CLI configuration that installs the provider from mirror, and
// any other provider from its registry.
func CLIConfig(mirror string) string {
	return fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = [%q]
  }
  direct {
    exclude = [%q]
  }
}
`, mirror, Source, Source)
}
