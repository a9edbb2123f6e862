// Command go-webhook is the reference `make bench` measures Ordinal against (issue 14: "side by side with a stdlib
// Go webhook doing the same identity mutation"). It is written the way a Kubernetes user would write a webhook with
// Go's standard library only (net/http, crypto/tls, encoding/json) and answers the benchmark's reviews as Ordinal's
// endpoints do:
//
//   - POST /noop-review decodes the AdmissionReview and admits it unchanged (the baseline, as Ordinal's);
//   - POST /mutate-pods gives a generateName member of set S the lowest free ordinal n and the identity of S-n: name,
//     hostname, subdomain, the pod-index and pod-name labels, the deletion cost, and the ordered gate while a lower
//     ordinal is not Ready; a generic ephemeral volume becomes the claim <volume>-S-n, recorded in the
//     ordinal.dev/claim-templates annotation, behind the claims gate. An ordinal handed out stays held for
//     -reservation-ttl, as Ordinal's reservations do while no pod is created.
//
// It is not a second Ordinal: it learns the benchmark's sets from -set flags instead of watching the API server, and
// checks nothing beyond the set label. dev.ordinal.bench.GoReference checks, before anything is measured, that its
// patch turns the benchmark's pods into what Ordinal's rules make of them.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	setLabel                 = "ordinal.dev/set"
	podNameLabel             = "ordinal.dev/pod-name"
	podIndexLabel            = "apps.kubernetes.io/pod-index"
	serviceAnnotation        = "ordinal.dev/service"
	claimTemplatesAnnotation = "ordinal.dev/claim-templates"
	deletionCostAnnotation   = "controller.kubernetes.io/pod-deletion-cost"
	orderedGate              = "ordinal.dev/ordered"
	claimsGate               = "ordinal.dev/claims"
	maxReviewBytes           = 3 << 20
)

type admissionReview struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Request    *admissionRequest  `json:"request,omitempty"`
	Response   *admissionResponse `json:"response,omitempty"`
}

type admissionRequest struct {
	UID       string         `json:"uid"`
	Namespace string         `json:"namespace"`
	Operation string         `json:"operation"`
	DryRun    bool           `json:"dryRun"`
	Object    map[string]any `json:"object"`
}

type admissionResponse struct {
	UID       string  `json:"uid"`
	Allowed   bool    `json:"allowed"`
	PatchType string  `json:"patchType,omitempty"`
	Patch     []byte  `json:"patch,omitempty"` // encoding/json writes a []byte as base64, as the API expects
	Status    *status `json:"status,omitempty"`
}

type status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// sets knows, per namespace/set, how many pods S-0..S-(ready-1) exist and are Ready, and holds the ordinals it hands
// out for a while.
type sets struct {
	mu    sync.Mutex
	ready map[string]int
	holds map[string]*holds
	ttl   time.Duration
}

type holds struct {
	held  []bool // by ordinal
	queue []hold // in the order handed out, so also in the order they expire
	next  int    // no free ordinal below this one
}

type hold struct {
	ordinal int
	until   time.Time
}

// reserve hands out the lowest ordinal of namespace/set that is neither a Ready pod's nor held, and holds it unless
// dryRun.
func (s *sets) reserve(namespace, set string, dryRun bool) int {
	key := namespace + "/" + set
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.holds[key]
	if h == nil {
		h = &holds{}
		s.holds[key] = h
	}
	now := time.Now()
	for len(h.queue) > 0 && now.After(h.queue[0].until) {
		expired := h.queue[0].ordinal
		h.held[expired] = false
		h.next = min(h.next, expired)
		h.queue = h.queue[1:]
	}
	n := max(h.next, s.ready[key])
	for n < len(h.held) && h.held[n] {
		n++
	}
	if !dryRun {
		for len(h.held) <= n {
			h.held = append(h.held, false)
		}
		h.held[n] = true
		h.queue = append(h.queue, hold{n, now.Add(s.ttl)})
		h.next = n + 1
	}
	return n
}

// waitsForPredecessor: a lower ordinal than n is not a Ready pod (the pods below s.ready[key] are all Ready).
func (s *sets) waitsForPredecessor(namespace, set string, n int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return n > s.ready[namespace+"/"+set]
}

type webhook struct {
	sets *sets
}

func (w *webhook) handler(mutate bool) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(rw, "POST an admission.k8s.io/v1 AdmissionReview", http.StatusMethodNotAllowed)
			return
		}
		var review admissionReview
		err := json.NewDecoder(http.MaxBytesReader(rw, r.Body, maxReviewBytes)).Decode(&review)
		if err != nil || review.Request == nil || review.Request.UID == "" {
			http.Error(rw, "expected an admission.k8s.io/v1 AdmissionReview with a request uid", http.StatusBadRequest)
			return
		}
		response := &admissionResponse{UID: review.Request.UID, Allowed: true}
		if mutate {
			w.mutate(review.Request, response)
		}
		rw.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(rw).Encode(admissionReview{
			APIVersion: review.APIVersion,
			Kind:       "AdmissionReview",
			Response:   response,
		}); err != nil {
			log.Printf("writing the answer to %s: %v", review.Request.UID, err)
		}
	}
}

func (w *webhook) mutate(request *admissionRequest, response *admissionResponse) {
	if request.Operation != "CREATE" {
		return
	}
	meta, _ := request.Object["metadata"].(map[string]any)
	spec, _ := request.Object["spec"].(map[string]any)
	if meta == nil || spec == nil {
		response.Allowed = false
		response.Status = &status{Code: http.StatusBadRequest, Message: "request.object needs metadata and spec"}
		return
	}
	labels, _ := meta["labels"].(map[string]any)
	set, _ := labels[setLabel].(string)
	if name, _ := meta["name"].(string); set == "" || name != "" {
		return // not a member, or named by its creator: not what the benchmark sends
	}
	annotations, _ := meta["annotations"].(map[string]any)
	service := set
	if s, _ := annotations[serviceAnnotation].(string); s != "" {
		service = s
	}
	n := w.sets.reserve(request.Namespace, set, request.DryRun)
	name := set + "-" + strconv.Itoa(n)

	added := map[string]any{deletionCostAnnotation: strconv.Itoa(-n)}
	templates := map[string]any{}
	var volumeOps []patchOp
	volumes, _ := spec["volumes"].([]any)
	for i, v := range volumes {
		volume, _ := v.(map[string]any)
		ephemeral, _ := volume["ephemeral"].(map[string]any)
		if ephemeral == nil {
			continue
		}
		volumeName, _ := volume["name"].(string)
		templates[volumeName] = ephemeral["volumeClaimTemplate"]
		volumeOps = append(volumeOps, patchOp{"replace", "/spec/volumes/" + strconv.Itoa(i), map[string]any{
			"name":                  volumeName,
			"persistentVolumeClaim": map[string]any{"claimName": volumeName + "-" + name, "readOnly": false},
		}})
	}
	if len(templates) > 0 {
		encoded, err := json.Marshal(templates) // map keys come out sorted, as Ordinal writes them
		if err != nil {
			response.Allowed = false
			response.Status = &status{Code: http.StatusInternalServerError, Message: err.Error()}
			return
		}
		added[claimTemplatesAnnotation] = string(encoded)
	}

	var ops []patchOp
	ops = appendMap(ops, "/metadata/annotations", annotations, added)
	ops = appendMap(ops, "/metadata/labels", labels, map[string]any{podIndexLabel: strconv.Itoa(n), podNameLabel: name})
	ops = append(ops, patchOp{"add", "/metadata/name", name}, patchOp{"add", "/spec/hostname", name})
	var gates []any
	if len(templates) > 0 {
		gates = append(gates, map[string]any{"name": claimsGate}) // the benchmark creates no claim
	}
	if w.sets.waitsForPredecessor(request.Namespace, set, n) {
		gates = append(gates, map[string]any{"name": orderedGate})
	}
	if existing, _ := spec["schedulingGates"].([]any); len(existing) > 0 {
		for _, gate := range gates {
			ops = append(ops, patchOp{"add", "/spec/schedulingGates/-", gate})
		}
	} else if len(gates) > 0 {
		ops = append(ops, patchOp{"add", "/spec/schedulingGates", gates})
	}
	ops = append(ops, patchOp{"add", "/spec/subdomain", service})
	ops = append(ops, volumeOps...)

	patch, err := json.Marshal(ops)
	if err != nil {
		response.Allowed = false
		response.Status = &status{Code: http.StatusInternalServerError, Message: err.Error()}
		return
	}
	response.PatchType = "JSONPatch"
	response.Patch = patch
}

// pointerEscaper turns a map key into an RFC 6901 reference token.
var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// appendMap adds the entries of added to the map at path: the whole map when there is none yet, else key by key.
func appendMap(ops []patchOp, path string, existing, added map[string]any) []patchOp {
	if len(existing) == 0 {
		return append(ops, patchOp{"add", path, added})
	}
	for key, value := range added {
		ops = append(ops, patchOp{"add", path + "/" + pointerEscaper.Replace(key), value})
	}
	return ops
}

// setFlags reads repeated -set namespace/set=N flags.
type setFlags map[string]int

func (f setFlags) String() string { return fmt.Sprint(map[string]int(f)) }

func (f setFlags) Set(value string) error {
	key, count, ok := strings.Cut(value, "=")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 0 || !strings.Contains(key, "/") {
		return fmt.Errorf("want namespace/set=N (N >= 0), got %q", value)
	}
	f[key] = n
	return nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "address to serve HTTPS on")
	cert := flag.String("cert", "tls.crt", "serving certificate (PEM)")
	key := flag.String("key", "tls.key", "serving key (PEM)")
	ttl := flag.Duration("reservation-ttl", 15*time.Second, "how long a handed-out ordinal stays held")
	ready := setFlags{}
	flag.Var(ready, "set", "namespace/set=N: pods set-0 .. set-(N-1) exist and are Ready (repeatable)")
	flag.Parse()

	w := &webhook{sets: &sets{ready: ready, holds: map[string]*holds{}, ttl: *ttl}}
	mux := http.NewServeMux()
	mux.Handle("/mutate-pods", w.handler(true))
	mux.Handle("/noop-review", w.handler(false))
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, "ok") })
	server := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("serving https://%s with sets %v", *addr, ready)
	log.Fatal(server.ListenAndServeTLS(*cert, *key))
}
