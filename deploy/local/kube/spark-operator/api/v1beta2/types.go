// Package v1beta2 declares the SparkApplication resource (sparkoperator.k8s.io/v1beta2) with the
// fields that flyteplugins' Spark plugin sets and reads, and no more.
package v1beta2

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// SchemeGroupVersion is the group and version of the SparkApplication resource.
var SchemeGroupVersion = schema.GroupVersion{Group: "sparkoperator.k8s.io", Version: "v1beta2"}

var (
	schemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)
	// AddToScheme registers SparkApplication and SparkApplicationList.
	AddToScheme = schemeBuilder.AddToScheme
)

func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion, &SparkApplication{}, &SparkApplicationList{})
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

type SparkApplicationType string

const (
	SparkApplicationTypeJava   SparkApplicationType = "Java"
	SparkApplicationTypeScala  SparkApplicationType = "Scala"
	SparkApplicationTypePython SparkApplicationType = "Python"
	SparkApplicationTypeR      SparkApplicationType = "R"
)

type DeployMode string

const DeployModeCluster DeployMode = "cluster"

type RestartPolicyType string

const RestartPolicyOnFailure RestartPolicyType = "OnFailure"

type RestartPolicy struct {
	Type                       RestartPolicyType `json:"type,omitempty"`
	OnSubmissionFailureRetries *int32            `json:"onSubmissionFailureRetries,omitempty"`
}

type ApplicationStateType string

const (
	ApplicationStateNew              ApplicationStateType = ""
	ApplicationStateSubmitted        ApplicationStateType = "SUBMITTED"
	ApplicationStateRunning          ApplicationStateType = "RUNNING"
	ApplicationStateCompleted        ApplicationStateType = "COMPLETED"
	ApplicationStateFailed           ApplicationStateType = "FAILED"
	ApplicationStateFailedSubmission ApplicationStateType = "SUBMISSION_FAILED"
)

type ApplicationState struct {
	State        ApplicationStateType `json:"state"`
	ErrorMessage string               `json:"errorMessage,omitempty"`
}

type DriverInfo struct {
	WebUIIngressAddress string `json:"webUIIngressAddress,omitempty"`
	PodName             string `json:"podName,omitempty"`
}

type SparkApplicationStatus struct {
	SparkApplicationID string           `json:"sparkApplicationId,omitempty"`
	TerminationTime    metav1.Time      `json:"terminationTime,omitempty"`
	DriverInfo         DriverInfo       `json:"driverInfo,omitempty"`
	AppState           ApplicationState `json:"applicationState,omitempty"`
}

type SparkPodSpec struct {
	Cores              *int32                     `json:"cores,omitempty"`
	Memory             *string                    `json:"memory,omitempty"`
	Image              *string                    `json:"image,omitempty"`
	Env                []corev1.EnvVar            `json:"env,omitempty"`
	Labels             map[string]string          `json:"labels,omitempty"`
	Annotations        map[string]string          `json:"annotations,omitempty"`
	Affinity           *corev1.Affinity           `json:"affinity,omitempty"`
	Tolerations        []corev1.Toleration        `json:"tolerations,omitempty"`
	PodSecurityContext *corev1.PodSecurityContext `json:"podSecurityContext,omitempty"`
	SecurityContext    *corev1.SecurityContext    `json:"securityContext,omitempty"`
	SchedulerName      *string                    `json:"schedulerName,omitempty"`
	NodeSelector       map[string]string          `json:"nodeSelector,omitempty"`
	DNSConfig          *corev1.PodDNSConfig       `json:"dnsConfig,omitempty"`
	HostNetwork        *bool                      `json:"hostNetwork,omitempty"`
	ServiceAccount     *string                    `json:"serviceAccount,omitempty"`
}

type DriverSpec struct {
	SparkPodSpec      `json:",inline"`
	PriorityClassName *string `json:"priorityClassName,omitempty"`
}

type ExecutorSpec struct {
	SparkPodSpec      `json:",inline"`
	Instances         *int32  `json:"instances,omitempty"`
	PriorityClassName *string `json:"priorityClassName,omitempty"`
}

type SparkApplicationSpec struct {
	Type                SparkApplicationType `json:"type"`
	Mode                DeployMode           `json:"mode,omitempty"`
	Image               *string              `json:"image,omitempty"`
	MainClass           *string              `json:"mainClass,omitempty"`
	MainApplicationFile *string              `json:"mainApplicationFile,omitempty"`
	Arguments           []string             `json:"arguments,omitempty"`
	SparkConf           map[string]string    `json:"sparkConf,omitempty"`
	HadoopConf          map[string]string    `json:"hadoopConf,omitempty"`
	Driver              DriverSpec           `json:"driver"`
	Executor            ExecutorSpec         `json:"executor"`
	RestartPolicy       RestartPolicy        `json:"restartPolicy,omitempty"`
	BatchScheduler      *string              `json:"batchScheduler,omitempty"`
}

type SparkApplication struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              SparkApplicationSpec   `json:"spec"`
	Status            SparkApplicationStatus `json:"status,omitempty"`
}

type SparkApplicationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SparkApplication `json:"items"`
}
