// Package kubetest runs a real Kubernetes API server for tests: etcd and
// kube-apiserver, built by .ci/kube from the Go module proxy at the
// versions in versions.env, started on loopback ports with fresh keys and
// data for one test, and stopped when it ends. Start skips the test when
// the binaries are missing (fails it under PW_REQUIRE_KUBE=1, as CI sets).
//
// It is a proof harness for generated manifests: DryRunApply sends each
// object of a YAML stream (what `kustomize build` prints) as a server-side
// apply with dryRun=All, so the server's own defaulting, validation and
// admission judge it, and returns the server's message when it refuses.
// ApplyCRDs registers CRDs first (cert-manager's are cached beside the
// binaries: Versions.CRDFiles). There is no scheduler, controller manager
// or node: nothing runs, nothing is reconciled. Standard library and the
// YAML reader the project already has; no Kubernetes client library.
package kubetest
