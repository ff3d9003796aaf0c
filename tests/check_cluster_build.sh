#!/bin/bash
# The build a cluster user does: PETSc located by PETSC_DIR/PETSC_ARCH (PETSc's own
# convention, as its modules and Spack set them) with pkg-config's default search path
# emptied, so PETSc, FFTW and HDF5 must come from PETSC_DIR and PETSc's configuration, not
# from the system's .pc files. Configures and builds uphill in a scratch directory and runs it.
# Usage: check_cluster_build.sh SOURCE_DIR WORK_DIR
set -u
src=$1; work=$2
pass=0; fail=0
check() { if "$@" > /dev/null 2>&1; then echo "PASS  $what"; pass=$((pass+1)); else echo "FAIL  $what"; fail=$((fail+1)); fi; }
# Debian ships PETSc in the PETSC_DIR/PETSC_ARCH layout too
petsc_dir=$(ls -d /usr/lib/petscdir/petsc3.* 2>/dev/null | sort -V | tail -n 1)
arch=$(ls "$petsc_dir" 2>/dev/null | grep -m1 -- '-real$')
if [ -z "$petsc_dir" ] || [ -z "$arch" ]; then
  echo "FAIL  no PETSc in the PETSC_DIR layout under /usr/lib/petscdir"; echo "0 passed, 1 failed"; exit 1
fi
rm -rf "$work"; mkdir -p "$work"
echo "PETSC_DIR=$petsc_dir PETSC_ARCH=$arch, PKG_CONFIG_LIBDIR emptied"
log="$work/configure.log"
what="configure with PETSC_DIR/PETSC_ARCH and no default pkg-config path"
check timeout 300 env -u PKG_CONFIG_PATH PKG_CONFIG_LIBDIR=/nonexistent PETSC_DIR="$petsc_dir" PETSC_ARCH="$arch" \
  cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF
env -u PKG_CONFIG_PATH PKG_CONFIG_LIBDIR=/nonexistent PETSC_DIR="$petsc_dir" PETSC_ARCH="$arch" \
  cmake -S "$src" -B "$work/build" > "$log" 2>&1
what="PETSc was taken from PETSC_DIR ($petsc_dir/$arch)"
check grep -q "PETSc .* from $petsc_dir/$arch" "$log"
what="build uphill"
check timeout 600 cmake --build "$work/build" --target uphill -j 2
what="the built uphill runs (-explain of the worked example names the binodal 0.01023)"
check sh -c "\"$work/build/uphill\" -explain -T 773 -c0 0.5 | grep -q 0.01023"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
