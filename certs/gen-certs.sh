#!/usr/bin/env bash
# Makes a CA and the webhook's serving certificate, plus a kustomize component
# (certs/out/kustomization.yaml) that deploy/local uses to fill the Secret
# ordinal-webhook-tls and the caBundle of both webhook configurations.
#
# Idempotent: a valid CA is kept (so the caBundle in the cluster stays valid),
# and the serving certificate is re-issued only when it is missing, expiring,
# not signed by the CA or lacks a SAN. --force renews both.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: certs/gen-certs.sh [--force | --renew]

  --force   make a new CA and serving certificate even if the current ones are valid
            (the old CA stays in the caBundle until it expires; to drop it at once,
            delete the output directory instead)
  --renew   issue a new serving certificate and key from the current CA even if the
            current one is valid: a renewal that leaves the caBundle as it is

Environment:
  ORDINAL_CERTS_OUT   output directory (default: certs/out next to this script)
  ORDINAL_CA_DAYS     CA validity in days (default: 3650)
  ORDINAL_CERT_DAYS   serving certificate validity in days (default: 365)
  ORDINAL_CERT_IPS    comma list of IP addresses to add as SANs, for a webhook reached by URL instead
                      of through the Service (default: none; deploy/overlays/out-of-cluster needs 127.0.0.1)
EOF
}

force=false
renew=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --force) force=true ;;
    --renew) renew=true ;;
    -h | --help) usage; exit 0 ;;
    *) echo "gen-certs: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

command -v openssl >/dev/null 2>&1 || { echo "gen-certs: openssl is required" >&2; exit 1; }

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${ORDINAL_CERTS_OUT:-$script_dir/out}"
ca_days="${ORDINAL_CA_DAYS:-3650}"
cert_days="${ORDINAL_CERT_DAYS:-365}"
# Renew when less than this is left, so a cert never expires between two runs of `make deploy`.
renew_before_seconds=$((30 * 24 * 3600))

service=ordinal-webhook
namespace=ordinal-system
secret=ordinal-webhook-tls
dns_names=(
  "$service"
  "$service.$namespace"
  "$service.$namespace.svc"
  "$service.$namespace.svc.cluster.local"
)
ip_sans=()
if [[ -n "${ORDINAL_CERT_IPS:-}" ]]; then
  IFS=, read -r -a ip_sans <<<"$ORDINAL_CERT_IPS"
  for ip in "${ip_sans[@]}"; do
    [[ "$ip" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || "$ip" =~ ^[0-9a-fA-F:]+$ ]] \
      || { echo "gen-certs: ORDINAL_CERT_IPS: '$ip' is not an IP address" >&2; exit 2; }
  done
fi

mkdir -p "$out"
umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { echo "gen-certs: $*" >&2; }

# Runs an openssl command that writes to -out files; shows its chatter only if it fails.
quiet() {
  local err
  if ! err="$("$@" 2>&1 >/dev/null)"; then
    echo "$err" >&2
    return 1
  fi
}

# Prints the public key of a certificate or a private key, to compare the two.
cert_pubkey() { openssl x509 -in "$1" -noout -pubkey 2>/dev/null; }
key_pubkey() { openssl pkey -in "$1" -pubout 2>/dev/null; }

key_matches_cert() {
  local cert="$1" key="$2" a b
  a="$(cert_pubkey "$cert")" || return 1
  b="$(key_pubkey "$key")" || return 1
  [[ -n "$a" && "$a" == "$b" ]]
}

not_expiring() { openssl x509 -in "$1" -noout -checkend "$renew_before_seconds" >/dev/null 2>&1; }

ca_is_valid() {
  [[ -s "$out/ca.crt" && -s "$out/ca.key" ]] || return 1
  key_matches_cert "$out/ca.crt" "$out/ca.key" || return 1
  not_expiring "$out/ca.crt" || return 1
  local text
  text="$(openssl x509 -in "$out/ca.crt" -noout -text 2>/dev/null)" || return 1
  grep -q 'CA:TRUE' <<<"$text"
}

serving_cert_is_valid() {
  [[ -s "$out/tls.crt" && -s "$out/tls.key" ]] || return 1
  key_matches_cert "$out/tls.crt" "$out/tls.key" || return 1
  not_expiring "$out/tls.crt" || return 1
  openssl verify -CAfile "$out/ca.crt" "$out/tls.crt" >/dev/null 2>&1 || return 1
  local text name
  text="$(openssl x509 -in "$out/tls.crt" -noout -text 2>/dev/null)" || return 1
  for name in "${dns_names[@]}"; do
    grep -Eq "DNS:${name//./\\.}(,|\$)" <<<"$text" || return 1
  done
  for ip in "${ip_sans[@]}"; do
    grep -Eqi "IP Address:${ip//./\\.}(,|\$)" <<<"$text" || return 1
  done
}

# A random 128-bit serial; OpenSSL 1.1 and LibreSSL would otherwise want a serial file.
serial() { echo "0x$(openssl rand -hex 16)"; }

make_ca() {
  log "making a new CA in $out"
  cat >"$work/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = ordinal-webhook-ca
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/ca.key"
  quiet openssl req -x509 -new -sha256 -days "$ca_days" -set_serial "$(serial)" \
    -config "$work/ca.cnf" -key "$work/ca.key" -out "$work/ca.crt"
  # Pods keep serving the old certificate until they reload the Secret, so the
  # caBundle trusts the previous CA as well while it is still valid.
  if [[ -s "$out/ca.crt" ]] && openssl x509 -in "$out/ca.crt" -noout -checkend 0 >/dev/null 2>&1; then
    cp -f "$out/ca.crt" "$out/ca-previous.crt"
  else
    rm -f "$out/ca-previous.crt"
  fi
  mv -f "$work/ca.key" "$out/ca.key"
  mv -f "$work/ca.crt" "$out/ca.crt"
}

make_serving_cert() {
  log "issuing the serving certificate for ${dns_names[*]} ${ip_sans[*]}"
  local san i
  san="$(for i in "${!dns_names[@]}"; do echo "DNS.$((i + 1)) = ${dns_names[$i]}"; done
    for i in "${!ip_sans[@]}"; do echo "IP.$((i + 1)) = ${ip_sans[$i]}"; done)"
  cat >"$work/tls.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = $service.$namespace.svc
[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = @san
[san]
$san
EOF
  quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/tls.key"
  quiet openssl req -new -sha256 -config "$work/tls.cnf" -key "$work/tls.key" -out "$work/tls.csr"
  quiet openssl x509 -req -sha256 -days "$cert_days" -set_serial "$(serial)" \
    -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
    -extfile "$work/tls.cnf" -extensions v3_server -out "$work/tls.crt"
  mv -f "$work/tls.key" "$out/tls.key"
  mv -f "$work/tls.crt" "$out/tls.crt"
}

b64() { openssl base64 -A <"$1"; }

# ca-bundle.crt: the CA, then the previous CA until it expires.
write_ca_bundle() {
  cp -f "$out/ca.crt" "$work/ca-bundle.crt"
  if [[ -s "$out/ca-previous.crt" ]]; then
    if openssl x509 -in "$out/ca-previous.crt" -noout -checkend 0 >/dev/null 2>&1; then
      cat "$out/ca-previous.crt" >>"$work/ca-bundle.crt"
    else
      rm -f "$out/ca-previous.crt"
    fi
  fi
  mv -f "$work/ca-bundle.crt" "$out/ca-bundle.crt"
}

write_manifests() {
  local crt key ca
  crt="$(b64 "$out/tls.crt")"
  key="$(b64 "$out/tls.key")"
  ca="$(b64 "$out/ca-bundle.crt")"

  cat >"$out/tls-secret.yaml" <<EOF
# Generated by certs/gen-certs.sh; contains a private key, do not commit.
apiVersion: v1
kind: Secret
metadata:
  name: $secret
  namespace: $namespace
type: kubernetes.io/tls
data:
  tls.crt: $crt
  tls.key: $key
EOF

  cat >"$out/cabundle-patch.yaml" <<EOF
# Generated by certs/gen-certs.sh: ca-bundle.crt, the CA that signs the serving certificate.
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: ordinal
webhooks:
  - name: mutate.pods.ordinal.dev
    clientConfig:
      caBundle: $ca
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: ordinal
webhooks:
  - name: validate.pods.ordinal.dev
    clientConfig:
      caBundle: $ca
EOF

  cat >"$out/kustomization.yaml" <<'EOF'
# Generated by certs/gen-certs.sh. Used as a component by deploy/local.
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - path: tls-secret.yaml
  - path: cabundle-patch.yaml
EOF
}

new_ca=false
if $force || ! ca_is_valid; then
  make_ca
  new_ca=true
else
  log "keeping the valid CA in $out/ca.crt"
fi

if $new_ca || $renew || ! serving_cert_is_valid; then
  make_serving_cert
else
  log "keeping the valid serving certificate in $out/tls.crt"
fi

chmod 600 "$out/ca.key" "$out/tls.key"
write_ca_bundle
chmod 644 "$out/ca.crt" "$out/ca-bundle.crt" "$out/tls.crt"
write_manifests
if [[ "$out" -ef "$script_dir/out" ]]; then
  log "wrote $out; install with: kubectl apply -k deploy/local"
else
  log "wrote $out; use it as a kustomize component (see certs/README.md)"
fi
