//go:build !unix

package auth

// lockFolder takes no lock where flock is not available: AddKey still never
// replaces a key, but two processes starting together on an empty folder
// may each write one. Deployments run on Linux (deploy/README.md).
func lockFolder(string) (func() error, error) {
	return func() error { return nil }, nil
}
