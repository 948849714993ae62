#!/usr/bin/env bash
# Makes the certificates the TLS tests need, with the openssl CLI, into OUTDIR:
#   ca.crt/ca.key                  a test CA
#   valid.crt/key                  CA-signed, CN+SAN DNS=HOST, SAN IP=each of IPS (EC P-256)
#   selfsigned.crt/key             self-signed, same names
#   expired.crt/key                CA-signed, valid 2020-01-01..2021-01-01 (openssl ca:
#                                  OpenSSL 3.0's x509 has no date options)
#   wronghost.crt/key              CA-signed for wrong.invalid (no IP SAN)
#   weak.crt/key                   CA-signed, RSA 1024 (weak_key)
#   client.crt/key                 CA-signed client certificate (clientAuth)
#   psk.txt                        mosquitto psk_file line "mqttsweep:<hex>"; PSK hex in psk.hex
# Everything is world-readable: mosquitto run as root drops to the mosquitto user.
# usage: certs.sh OUTDIR [HOST] [IPS]   (IPS: comma-separated addresses)
set -euo pipefail

out=${1:?usage: certs.sh OUTDIR [HOST] [IPS]}
host=${2:-broker.test}
ips=${3:-127.0.94.1}
ipsan=$(echo "$ips" | sed 's/\([^,]*\)/IP:\1/g')
mkdir -p "$out"
cd "$out"
q() { "$@" >/dev/null 2>&1 || { echo "certs.sh: failed: $*" >&2; "$@"; exit 1; }; }

cat >ext.cnf <<EOF
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:$host, $ipsan
[wrong]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong.invalid
[client]
basicConstraints = CA:FALSE
extendedKeyUsage = clientAuth
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF

# CA
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
	-subj "/C=DE/O=mqttsweep tests/OU=lab/CN=mqttsweep test CA" \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

sign() { # name subj section keyspec
	local name=$1 subj=$2 sect=$3 keyspec=$4
	if [ "$keyspec" = ec ]; then
		q openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-keyout "$name.key" -out "$name.csr" -subj "$subj"
	else
		q openssl req -newkey "rsa:$keyspec" -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj"
	fi
	q openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
		-extfile ext.cnf -extensions "$sect" -out "$name.crt"
}

sign valid "/C=DE/ST=Berlin/O=mqttsweep tests/OU=brokers/CN=$host" server ec
sign wronghost "/O=mqttsweep tests/CN=wrong.invalid" wrong 2048
sign weak "/O=mqttsweep tests/CN=$host" server 1024
sign client "/O=mqttsweep tests/CN=mqttsweep-client" client 2048

q openssl req -x509 -newkey rsa:2048 -nodes -keyout selfsigned.key -out selfsigned.crt -days 30 \
	-subj "/O=mqttsweep tests/CN=$host" -addext "subjectAltName=DNS:$host,$ipsan"

# expired: openssl ca with explicit past dates
mkdir -p ca.db/new
: >ca.db/index.txt
echo 1000 >ca.db/serial
cat >ca.cnf <<EOF
[ca]
default_ca = test_ca
[test_ca]
dir = ca.db
database = ca.db/index.txt
serial = ca.db/serial
new_certs_dir = ca.db/new
certificate = ca.crt
private_key = ca.key
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
organizationName = optional
EOF
q openssl req -newkey rsa:2048 -nodes -keyout expired.key -out expired.csr \
	-subj "/O=mqttsweep tests/CN=$host" -addext "subjectAltName=DNS:$host,$ipsan"
q openssl ca -batch -config ca.cnf -startdate 20200101000000Z -enddate 20210101000000Z \
	-in expired.csr -out expired.crt -notext

psk=$(openssl rand -hex 16)
echo "$psk" >psk.hex
echo "mqttsweep:$psk" >psk.txt

rm -f ./*.csr
chmod 0755 .
chmod -R a+rX .
chmod a+r ./*.key
