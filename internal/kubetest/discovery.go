package kubetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// apiResource is one entry of a groupVersion's discovery document
// (an APIResourceList's resources).
type apiResource struct {
	Name       string `json:"name"` // the plural in URLs, e.g. "deployments"
	Kind       string `json:"kind"`
	Namespaced bool   `json:"namespaced"`
}

// resource finds the resource of kind in apiVersion through the discovery
// API (/api/v1, /apis/GROUP/VERSION), from the cache when it is there,
// asking the server again when it is not: a CRD registered since the last
// look adds kinds.
func (s *APIServer) resource(ctx context.Context, apiVersion, kind string) (apiResource, error) {
	s.mu.Lock()
	cached, ok := s.resources[apiVersion]
	s.mu.Unlock()
	if ok {
		if r, found := findKind(cached, kind); found {
			return r, nil
		}
	}
	list, err := s.discover(ctx, apiVersion)
	if err != nil {
		return apiResource{}, err
	}
	if r, found := findKind(list, kind); found {
		return r, nil
	}
	return apiResource{}, fmt.Errorf("the server has no kind %s in %s", kind, apiVersion)
}

// discover asks the server for apiVersion's resources and caches them.
func (s *APIServer) discover(ctx context.Context, apiVersion string) ([]apiResource, error) {
	path := "/apis/" + apiVersion
	if apiVersion == "v1" {
		path = "/api/v1"
	} else if !strings.Contains(apiVersion, "/") {
		return nil, fmt.Errorf("apiVersion %q: want GROUP/VERSION, or v1 for the core group", apiVersion)
	}
	data, err := s.request(ctx, http.MethodGet, path, "", nil)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Code == http.StatusNotFound {
		return nil, fmt.Errorf("the server serves no %s", apiVersion)
	}
	if err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", apiVersion, err)
	}
	var list struct {
		Resources []apiResource `json:"resources"`
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("discovery of %s: %w", apiVersion, err)
	}
	s.mu.Lock()
	s.resources[apiVersion] = list.Resources
	s.mu.Unlock()
	return list.Resources, nil
}

// findKind is kind's top-level resource (subresources such as
// "deployments/scale" share the kind of others).
func findKind(list []apiResource, kind string) (apiResource, bool) {
	for _, r := range list {
		if r.Kind == kind && !strings.Contains(r.Name, "/") {
			return r, true
		}
	}
	return apiResource{}, false
}
