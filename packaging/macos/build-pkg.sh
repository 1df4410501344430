#!/usr/bin/env bash
# Builds readycheck-<version>-macos.pkg on a Mac (Xcode command line tools, both Apple Rust
# targets installed). See README.md in this directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
plugins=(network resources permissions apps)
pkgs=(-p readycheck)
for p in "${plugins[@]}"; do pkgs+=(-p "readycheck-$p"); done
for t in aarch64-apple-darwin x86_64-apple-darwin; do
  cargo build --release --target "$t" "${pkgs[@]}"
done
root=$(mktemp -d)
support="$root/Library/Application Support/readycheck"
install -d -m 0755 "$root/usr/local/bin" "$support/plugins" "$root/usr/local/share/man/man1" \
  "$root/usr/local/share/zsh/site-functions"
lipo -create -output "$root/usr/local/bin/readycheck" \
  target/{aarch64,x86_64}-apple-darwin/release/readycheck
# The program each plugin call starts, where readycheck looks for it (a root-owned directory:
# /usr/local may be writable by an admin group).
lipo -create -output "$support/readycheck-plugin-host" \
  target/{aarch64,x86_64}-apple-darwin/release/readycheck-plugin-host
chmod 0755 "$support/readycheck-plugin-host"
for p in "${plugins[@]}"; do
  lipo -create -output "$support/plugins/libreadycheck_$p.dylib" \
    target/{aarch64,x86_64}-apple-darwin/release/libreadycheck_"$p".dylib
  chmod 0644 "$support/plugins/libreadycheck_$p.dylib"
done
install -m 0644 checks/default.toml "$support/readycheck.toml"
# A double-clickable launcher in Applications: Terminal runs the check, the report opens in the
# browser, and the window waits for Enter.
install -d -m 0755 "$root/Applications"
printf '#!/bin/sh\n# Remote-work readiness check: runs readycheck, opens the report, waits for Enter.\nexec /usr/local/bin/readycheck --launched\n' \
  > "$root/Applications/Remote-work readiness check.command"
chmod 0755 "$root/Applications/Remote-work readiness check.command"
gen=$(mktemp -d)
cargo xtask man -o "$gen/man" >/dev/null
cargo xtask completions -o "$gen/completions" >/dev/null
install -m 0644 "$gen"/man/*.1 "$root/usr/local/share/man/man1/"
install -m 0644 "$gen/completions/_readycheck" "$root/usr/local/share/zsh/site-functions/"
mkdir -p target/dist
pkgbuild --root "$root" --identifier com.readycheck.pkg --version "$version" \
  --install-location / --ownership recommended "target/dist/readycheck-$version-macos.pkg"
echo "target/dist/readycheck-$version-macos.pkg"
