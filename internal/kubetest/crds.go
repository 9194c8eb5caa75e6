package kubetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// crdsReadyWithin bounds the wait for the CRDs of one ApplyCRDs call to be
// Established and listed in discovery.
const crdsReadyWithin = 60 * time.Second

// ApplyCRDs registers the CustomResourceDefinitions in files (YAML, one or
// more per file) for real, by server-side apply, and waits (60 s at most)
// until each is Established and its kind is listed by the discovery API
// in every served version, so that DryRunApply finds it next. Any failure
// fails t.
func (s *APIServer) ApplyCRDs(t testing.TB, files ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), crdsReadyWithin)
	defer cancel()
	var crds []crdHead
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("kubetest ApplyCRDs: %v", err)
		}
		objs, err := ParseObjects(data)
		if err != nil {
			t.Fatalf("kubetest ApplyCRDs: %s: %v", f, err)
		}
		for _, o := range objs {
			if o.Kind != "CustomResourceDefinition" {
				t.Fatalf("kubetest ApplyCRDs: %s: %s is no CustomResourceDefinition", f, o)
			}
			var head crdHead
			if err := yaml.Unmarshal(o.YAML, &head); err != nil {
				t.Fatalf("kubetest ApplyCRDs: %s: %v", f, err)
			}
			if err := s.apply(ctx, o); err != nil {
				t.Fatalf("kubetest ApplyCRDs: %s: %v", f, err)
			}
			crds = append(crds, head)
		}
	}
	for _, c := range crds {
		if err := s.waitCRD(ctx, c); err != nil {
			t.Fatalf("kubetest ApplyCRDs: %v", err)
		}
	}
}

// crdHead is what ApplyCRDs reads of a CRD: its name and what it serves.
type crdHead struct {
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Group string `yaml:"group"`
		Names struct {
			Kind string `yaml:"kind"`
		} `yaml:"names"`
		Versions []struct {
			Name   string `yaml:"name"`
			Served bool   `yaml:"served"`
		} `yaml:"versions"`
	} `yaml:"spec"`
}

// apply server-side applies o for real (field manager prosody-wizard).
func (s *APIServer) apply(ctx context.Context, o Object) error {
	path, err := s.objectPath(ctx, o, false)
	if err == nil {
		q := url.Values{"fieldManager": {"prosody-wizard"}, "force": {"true"}, "fieldValidation": {"Strict"}}
		_, err = s.request(ctx, http.MethodPatch, path+"?"+q.Encode(), "application/apply-patch+yaml", o.YAML)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Object = o.String()
	}
	return err
}

// waitCRD polls every 200 ms until c is Established and each served
// version lists its kind, or ctx ends.
func (s *APIServer) waitCRD(ctx context.Context, c crdHead) error {
	last := "not asked yet"
	for {
		ready, why, err := s.crdReady(ctx, c)
		if err == nil && ready {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = why
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CRD %s not ready within %v: %s", c.Metadata.Name, crdsReadyWithin, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// crdReady says whether c is Established and discoverable, and if not, why.
func (s *APIServer) crdReady(ctx context.Context, c crdHead) (bool, string, error) {
	data, err := s.request(ctx, http.MethodGet,
		"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+url.PathEscape(c.Metadata.Name), "", nil)
	if err != nil {
		return false, "", err
	}
	var crd struct {
		Status struct {
			Conditions []struct {
				Type, Status, Message string
			} `json:"conditions"`
		} `json:"status"`
	}
	if err := json.Unmarshal(data, &crd); err != nil {
		return false, "", err
	}
	established := false
	for _, cond := range crd.Status.Conditions {
		if cond.Type == "Established" && cond.Status == "True" {
			established = true
		}
	}
	if !established {
		return false, fmt.Sprintf("not Established: conditions %+v", crd.Status.Conditions), nil
	}
	for _, v := range c.Spec.Versions {
		if !v.Served {
			continue
		}
		gv := c.Spec.Group + "/" + v.Name
		list, err := s.discover(ctx, gv)
		if err != nil {
			return false, "", err
		}
		if _, ok := findKind(list, c.Spec.Names.Kind); !ok {
			return false, fmt.Sprintf("%s not yet in the discovery of %s", c.Spec.Names.Kind, gv), nil
		}
	}
	return true, "", nil
}
