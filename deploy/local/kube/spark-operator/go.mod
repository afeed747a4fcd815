// A stand-in for github.com/kubeflow/spark-operator, whose pseudo-version that flyteplugins
// v1.16.8 pins the module proxy refuses. It declares only what flyteplugins' Spark plugin
// compiles against, so that flytepropeller's own main (which links every plugin) builds. The
// Spark plugin is not enabled in the propeller tests; nothing here talks to a Spark operator.
module github.com/kubeflow/spark-operator

go 1.24.0

require (
	k8s.io/api v0.34.1
	k8s.io/apimachinery v0.34.1
)
