// Package check validates the Kubernetes manifests of deploy/kubernetes
// without a cluster: its test decodes each strictly into the Kubernetes API
// types and checks what the deployment depends on (deploy/README.md). It is
// a module of its own so that the service does not depend on Kubernetes'
// libraries.
package check
