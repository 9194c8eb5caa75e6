package kubetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// APIError is the API server's refusal of a request: its HTTP status and
// the Status object it answered with.
type APIError struct {
	Object  string // the object it was about, e.g. "Service default/web"
	Code    int    // HTTP status, e.g. 422
	Reason  string // e.g. "Invalid", "NotFound", "BadRequest"
	Message string // the server's own words (Status.message)
}

// Error is the object and the server's message.
func (e *APIError) Error() string {
	if e.Object == "" {
		return e.Message
	}
	return e.Object + ": " + e.Message
}

// request sends one request with the admin's token and returns the body
// of a 2xx answer, or an *APIError carrying the server's Status.
func (s *APIServer) request(ctx context.Context, method, path, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	s.authorize(req)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return data, nil
	}
	var status struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
		Reason  string `json:"reason"`
	}
	e := &APIError{Code: resp.StatusCode, Message: string(data)}
	if json.Unmarshal(data, &status) == nil && status.Kind == "Status" {
		e.Reason, e.Message = status.Reason, status.Message
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("%s %s: %s", method, path, resp.Status)
	}
	return nil, e
}

// objectPath is the URL path of o (collection=false) or of the collection
// it is created in (true). Namespaced objects without a namespace go to
// "default", as kubectl's default context would put them.
func (s *APIServer) objectPath(ctx context.Context, o Object, collection bool) (string, error) {
	r, err := s.resource(ctx, o.APIVersion, o.Kind)
	if err != nil {
		return "", err
	}
	p := "/apis/" + o.APIVersion
	if o.APIVersion == "v1" {
		p = "/api/v1"
	}
	if r.Namespaced {
		ns := o.Namespace
		if ns == "" {
			ns = "default"
		}
		p += "/namespaces/" + url.PathEscape(ns)
	}
	p += "/" + r.Name
	if !collection {
		p += "/" + url.PathEscape(o.Name)
	}
	return p, nil
}

// Create creates every object of the YAML stream for real (a POST of each
// document, as application/yaml), e.g. a Namespace the objects under test
// go into, and fails t at the first refusal.
func (s *APIServer) Create(t testing.TB, stream []byte) {
	t.Helper()
	objs, err := ParseObjects(stream)
	if err != nil {
		t.Fatalf("kubetest Create: %v", err)
	}
	for _, o := range objs {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.create(ctx, o)
		cancel()
		if err != nil {
			t.Fatalf("kubetest Create: %v", err)
		}
	}
}

func (s *APIServer) create(ctx context.Context, o Object) error {
	path, err := s.objectPath(ctx, o, true)
	if err == nil {
		_, err = s.request(ctx, http.MethodPost, path, "application/yaml", o.YAML)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Object = o.String()
	} else if err != nil {
		err = fmt.Errorf("%s: %w", o, err)
	}
	return err
}

// DryRunApply server-side applies every object of the YAML stream (one
// object, or what `kustomize build` prints) with dryRun=All: the server
// defaults, validates (fieldValidation=Strict, as kubectl apply asks) and
// runs its admission on each, then stores nothing. Field manager
// prosody-wizard, force=true. It returns nil when the server accepted all
// of them, else the refusals joined, each an *APIError with the server's
// own message. The objects' namespaces must exist (EnsureNamespaces with
// the same stream makes them): a dry run of a Namespace document creates
// none.
func (s *APIServer) DryRunApply(ctx context.Context, stream []byte) error {
	objs, err := ParseObjects(stream)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return errors.New("kubetest DryRunApply: no object in the YAML given")
	}
	var errs []error
	for _, o := range objs {
		if err := s.dryRunApply(ctx, o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *APIServer) dryRunApply(ctx context.Context, o Object) error {
	path, err := s.objectPath(ctx, o, false)
	if err == nil {
		q := url.Values{"dryRun": {"All"}, "fieldManager": {"prosody-wizard"}, "force": {"true"},
			"fieldValidation": {"Strict"}}
		_, err = s.request(ctx, http.MethodPatch, path+"?"+q.Encode(), "application/apply-patch+yaml", o.YAML)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		apiErr.Object = o.String()
	} else if err != nil {
		err = fmt.Errorf("%s: %w", o, err)
	}
	return err
}

// EnsureNamespaces creates for real every namespace the YAML stream names,
// as Namespace objects or in objects' metadata.namespace, that does not
// exist yet, so that a DryRunApply of the same stream finds them: what a
// real `kubectl apply` of a kustomize base does by creating its Namespace
// first. Any failure fails t.
func (s *APIServer) EnsureNamespaces(t testing.TB, stream []byte) {
	t.Helper()
	objs, err := ParseObjects(stream)
	if err != nil {
		t.Fatalf("kubetest EnsureNamespaces: %v", err)
	}
	seen := map[string]bool{}
	for _, o := range objs {
		ns := o.Namespace
		if o.APIVersion == "v1" && o.Kind == "Namespace" {
			ns = o.Name
		}
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.create(ctx, Object{APIVersion: "v1", Kind: "Namespace", Name: ns,
			YAML: fmt.Appendf(nil, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %q\n", ns)})
		cancel()
		var apiErr *APIError
		if errors.As(err, &apiErr) && apiErr.Code == http.StatusConflict {
			continue // AlreadyExists
		}
		if err != nil {
			t.Fatalf("kubetest EnsureNamespaces: %v", err)
		}
	}
}
