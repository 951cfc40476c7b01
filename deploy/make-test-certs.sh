#!/bin/sh
# Makes a test certificate authority, a server certificate and client
# certificates with openssl, for trying TLS and mutual TLS (README,
# "TLS"). NOT for production: the CA key sits next to the certificates.
#
#   deploy/make-test-certs.sh DIR [CLIENT_CN ...]
#
# Writes into DIR (created if needed):
#   ca.pem, ca.key                 the test CA (10 years)
#   server.pem, server.key         for customer-ledgerd --tls-cert/--tls-key;
#                                  names 127.0.0.1, ::1 and localhost (plus
#                                  $LEDGER_CERT_HOSTS, space-separated DNS
#                                  names or IPs)
#   client-<CN>.pem, client-<CN>.key
#                                  one per CLIENT_CN (default: ledger-admin),
#                                  common name CN, for ledgerctl
#                                  --tls-cert/--tls-key; map it with a
#                                  "cert_subject=CN principal=… role=…" line
#                                  in the tokens file
# Keys are ECDSA P-256, mode 0600.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [CLIENT_CN ...]" >&2
  exit 2
fi
dir=$1
shift
[ $# -gt 0 ] || set -- ledger-admin
command -v openssl >/dev/null || { echo "$0: openssl is not installed" >&2; exit 1; }
mkdir -p "$dir"
umask 077

newkey() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# The CA.
newkey "$dir/ca.key"
openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 \
  -subj "/CN=customer-ledger test CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$dir/ca.pem"

# Signs $1.csr with the CA into $1.pem using extensions file $2.
sign() {
  openssl x509 -req -in "$1.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 825 -sha256 -extfile "$2" -out "$1.pem" 2>/dev/null
  rm -f "$1.csr" "$2"
}

# The server.
san="IP:127.0.0.1,IP:::1,DNS:localhost"
for host in ${LEDGER_CERT_HOSTS:-}; do
  case $host in
    *[!0-9.:]*) san="$san,DNS:$host" ;;
    *) san="$san,IP:$host" ;;
  esac
done
newkey "$dir/server.key"
openssl req -new -key "$dir/server.key" -subj "/CN=customer-ledgerd" \
  -out "$dir/server.csr"
cat > "$dir/server.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
sign "$dir/server" "$dir/server.ext"

# The clients.
for cn in "$@"; do
  newkey "$dir/client-$cn.key"
  openssl req -new -key "$dir/client-$cn.key" -subj "/CN=$cn" \
    -out "$dir/client-$cn.csr"
  cat > "$dir/client-$cn.ext" <<EXT
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EXT
  sign "$dir/client-$cn" "$dir/client-$cn.ext"
done
rm -f "$dir/ca.srl"
chmod 644 "$dir"/*.pem
echo "test CA, server certificate ($san) and client certificates ($*) in $dir"
