// Package common holds the Spark configuration keys that flyteplugins' Spark plugin reads.
package common

// Spark properties for the driver's and executors' CPU requests and limits on Kubernetes.
const (
	SparkKubernetesDriverRequestCores   = "spark.kubernetes.driver.request.cores"
	SparkKubernetesDriverLimitCores     = "spark.kubernetes.driver.limit.cores"
	SparkKubernetesExecutorRequestCores = "spark.kubernetes.executor.request.cores"
	SparkKubernetesExecutorLimitCores   = "spark.kubernetes.executor.limit.cores"
)
