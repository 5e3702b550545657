#!/usr/bin/env bash
# demo.sh [LINE] — build everything, boot a stock Debian kernel (default
# 6.12) in QEMU with vmxfer loaded, and walk through what vmxfer does.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
line=${1:-6.12}
make -s userspace
exec tests/vm/run --kernel "$line" --file build/tools/vmxfer-ctl \
	--file build/tools/vmxfer-demo-target --file tests/demo-splice.sh \
	--file build/tools/vmxfer-demo-clone --file tests/demo-clone.sh \
	--file build/tools/vmxfer-demo-postcopy --file tests/demo-postcopy.sh \
	--file build/tools/vmxfer-gcore-target --file tests/demo-gcore.sh \
	--file tests/demo-lib.sh \
	-- tests/demo-guest.sh
