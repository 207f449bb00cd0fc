#!/usr/bin/env bash
# Runs every test of apigw on a fresh Debian machine: installs what the
# tests need (Debian packages, Go modules), then vets and tests with -race.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null; then
  echo "scripts/test.sh: Go 1.26 or newer is needed (https://go.dev/dl/)" >&2
  exit 1
fi

# Debian packages the tests use: python3 and nodejs run Lambda handlers,
# curl is used by a few CLI tests, and the AWS CLI (or python's boto3)
# drives the Lambda Invoke API as users do.
need=()
for cmd in python3:python3 node:nodejs curl:curl; do
  command -v "${cmd%%:*}" >/dev/null || need+=("${cmd#*:}")
done
if ! command -v aws >/dev/null && ! python3 -c 'import boto3' 2>/dev/null; then
  need+=(awscli)
fi
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi

go mod download
unformatted=$(gofmt -l cmd internal e2e bench 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -count=1 -timeout 20m ./...
