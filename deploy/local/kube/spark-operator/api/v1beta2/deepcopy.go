package v1beta2

import (
	"encoding/json"

	"k8s.io/apimachinery/pkg/runtime"
)

// The plugin never mutates a copy in a way a JSON round trip would not preserve, so the copies
// go through encoding/json instead of generated field-by-field code.
func deepCopyJSON[T any](in *T) *T {
	if in == nil {
		return nil
	}
	data, err := json.Marshal(in)
	if err != nil {
		panic(err)
	}
	out := new(T)
	if err := json.Unmarshal(data, out); err != nil {
		panic(err)
	}
	return out
}

// DeepCopy returns a copy of the application.
func (in *SparkApplication) DeepCopy() *SparkApplication { return deepCopyJSON(in) }

// DeepCopyObject implements runtime.Object.
func (in *SparkApplication) DeepCopyObject() runtime.Object { return in.DeepCopy() }

// DeepCopy returns a copy of the list.
func (in *SparkApplicationList) DeepCopy() *SparkApplicationList { return deepCopyJSON(in) }

// DeepCopyObject implements runtime.Object.
func (in *SparkApplicationList) DeepCopyObject() runtime.Object { return in.DeepCopy() }
