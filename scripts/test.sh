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
# curl runs the README's requests and a few CLI tests, the AWS CLI drives
# the Lambda Invoke API and the control plane as users do (the README's
# examples too), boto3 the control plane from python, chromium the CORS
# tests in a real browser.
need=()
for cmd in python3:python3 node:nodejs curl:curl aws:awscli; do
  command -v "${cmd%%:*}" >/dev/null || need+=("${cmd#*:}")
done
# boto3 drives the control-plane API as python users do.
if ! python3 -c 'import boto3' 2>/dev/null && ! /usr/bin/python3 -c 'import boto3' 2>/dev/null; then
  need+=(python3-boto3)
fi
# Any Chromium or Chrome will do for e2e/browser_test.go.
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
  && ! command -v google-chrome >/dev/null && ! command -v google-chrome-stable >/dev/null; then
  need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  # apt-get needs root: as root it runs directly, otherwise through sudo.
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "scripts/test.sh: installing ${need[*]} needs root: run this script as root, or install sudo" >&2
      exit 1
    fi
    SUDO="sudo"
  fi
  $SUDO apt-get update -q
  # env, not a plain assignment: sudo would drop DEBIAN_FRONTEND.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi

go mod download
unformatted=$(gofmt -l cmd internal e2e bench examples 2>/dev/null || true)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi
go vet ./...
# The SAM oracle's goldens (internal/model/testdata/sam/*.oracle.json) are
# checked in: no test runs samtranslator (scripts/sam-oracle.py rewrites them).
go test -race -count=1 -timeout 20m ./...
