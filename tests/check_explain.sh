#!/bin/sh
# Regression test of `uphill -explain` on the DESIGN.md worked example (Omega = 30 kJ/mol,
# T = 773 K, Cu-like D0 and Q) at three compositions.
#
#   check_explain.sh CASE LAUNCH...     CASE: unstable (c0 = 0.5) | metastable (0.05) | stable (0.005)
#                                       | coherent (T = 1000 K, c0 = 0.4, Cu constants, misfit 0.05)
#                                       | suppressed (the same with misfit 0.12)
#
# LAUNCH is the command that starts uphill (e.g. mpiexec -n 1 ... /path/uphill). Each key number
# is read back from the text and compared with a tolerance, so the test does not depend on
# how many digits are printed; every check is reported and any failure fails the test.
set -u
case_name=$1
shift

case $case_name in
  unstable) c0=0.5 ;;
  metastable) c0=0.05 ;;
  stable) c0=0.005 ;;
  coherent) eta=0.05 ;;
  suppressed) eta=0.12 ;;
  *) echo "unknown case '$case_name' (unstable|metastable|stable|coherent|suppressed)"; exit 2 ;;
esac

case $case_name in
  coherent|suppressed)
    out=$("$@" -explain -model regular -units si -omega 30000 -T 1000 -c0 0.4 -Vm 8.5e-6 \
          -elastic cubic -misfit $eta -C11 168.4e9 -C12 121.4e9 -C44 75.4e9 2>&1) ;;
  *)
    out=$("$@" -explain -model regular -units si -omega 30000 -T 773 -D0 7.8e-5 -Q 211000 \
          -c0 $c0 -noise 0.001 2>&1) ;;
esac
status=$?
printf '%s\n' "$out"
echo "----"
fails=0
if [ $status -ne 0 ]; then
  echo "FAIL  uphill -explain exited with status $status"
  fails=1
fi

# num LABEL K: the K-th number on the first line containing the fixed string LABEL, after it
num() {
  printf '%s\n' "$out" | awk -v lab="$1" -v k="$2" '
    index($0, lab) {
      s = substr($0, index($0, lab) + length(lab)); n = 0
      while (match(s, /[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?/)) {
        if (++n == k) { print substr(s, RSTART, RLENGTH); exit }
        s = substr(s, RSTART + RLENGTH)
      }
      exit
    }'
}

# near LABEL K WANT TOL: |number - WANT| <= TOL
near() {
  got=$(num "$1" "$2")
  if [ -n "$got" ] && awk -v g="$got" -v w="$3" -v t="$4" 'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= t) }'; then
    echo "PASS  '$1' #$2 = $got (want $3 +- $4)"
  else
    echo "FAIL  '$1' #$2 = '${got}' (want $3 +- $4)"
    fails=$((fails + 1))
  fi
}

# has TEXT: a fixed string appears at the start of some line (after indentation)
has() {
  if printf '%s\n' "$out" | grep -Eq "^ *$1"; then
    echo "PASS  text '$1'"
  else
    echo "FAIL  text '$1' missing"
    fails=$((fails + 1))
  fi
}

# coherent cases: an independent evaluation (awk, not the C code) of Cahn's coherent
# spinodal: for Cu (C11 - C12 - 2 C44 < 0) the soft direction is <100>, where
# B = 2 eta^2 (C11 + 2 C12)(C11 - C12)/C11; the spinodal is f''/RT + B Vm/RT = 0, i.e.
# c(1-c) = 1/(2 Omega/RT - B Vm/RT), and the coherent Tc = (2 Omega - B Vm)/(4 R)
case $case_name in
  coherent|suppressed)
    read -r Bm Tcc c1 c2 <<EOF2
$(awk -v e=$eta 'BEGIN { C11 = 168.4e9; C12 = 121.4e9; R = 8.314462618; RT = R * 1000
  B = 2 * e * e * (C11 + 2 * C12) * (C11 - C12) / C11; BV = B * 8.5e-6
  q = 2 * 30000 / RT - BV / RT; d = 1 - 4 / q
  if (d > 0) { c1 = (1 - sqrt(d)) / 2; c2 = 1 - c1 } else { c1 = -1; c2 = -1 }
  printf "%.8g %.8g %.8g %.8g\n", BV, (2 * 30000 - BV) / (4 * R), c1, c2 }')
EOF2
    near "V/2: B =" 1 "$(awk -v b=$Bm 'BEGIN { print b / 8.5e-6 }')" "$(awk -v b=$Bm 'BEGIN { print b / 8.5e-6 * 1e-3 }')"
    near "Coherent critical temperature" 1 "$Tcc" 0.5
    if [ "$case_name" = coherent ]; then
      near "Coherent spinodal at T: c =" 1 "$c1" 0.00005
      near "Coherent spinodal at T: c =" 2 "$c2" 0.00005
      has "c0 is inside the coherent spinodal: coherent spinodal decomposition"
      has "UNSTABLE: any small fluctuation grows"
    else
      has "No coherent spinodal at this temperature"
      has "Coherency strain SUPPRESSES spinodal decomposition here"
      has "METASTABLE: needs nucleation"
      has "No wavelength grows"
    fi
    if [ $fails -ne 0 ]; then echo "explain $case_name: $fails check(s) failed"; exit 1; fi
    echo "explain $case_name: all checks passed"
    exit 0 ;;
esac

# DESIGN.md worked example, to the digits it gives
near "Tc = Omega/2R =" 1 1804 0.5
near "chi = Omega/RT =" 1 4.67 0.005
near "Binodal (edges of the miscibility gap): c =" 1 0.0102 0.00005
near "Binodal (edges of the miscibility gap): c =" 2 0.9898 0.00005
near "Spinodal: c =" 1 0.122 0.0005
near "Spinodal: c =" 2 0.878 0.0005
near "D* = D0 exp(-Q/RT) =" 1 4.3e-19 0.05e-19

case $case_name in
  unstable)
    has "UNSTABLE: any small fluctuation grows, diffusion runs uphill"
    near "Thermodynamic factor Phi(c0) = 1 - 2 chi c0(1-c0) =" 1 -1.3339 0.0005
    has "Chemical diffusivity D_chem = D\* Phi = -[0-9.e+-]+ m\^2/s: negative: uphill diffusion"
    # independent of kappa and D*: k_m^2 = -f''/2 in l^-2, R_max = c0(1-c0) f''^2/4 in 1/tau,
    # with f''/RT = 4 - 2 chi at c0 = 1/2
    near "Fastest-growing wavelength lambda_m =" 2 3.8466 0.002
    near "1/R_max =" 2 0.5620 0.0005
    near "Width of an equilibrium interface" 2 0.996 0.002
    ;;
  metastable)
    has "METASTABLE: needs nucleation, small fluctuations decay"
    has "Chemical diffusivity D_chem = D\* Phi = [0-9.e+-]+ m\^2/s: positive"
    has "No wavelength grows"
    ;;
  stable)
    has "STABLE: stays mixed"
    has "No wavelength grows"
    has "No pattern or interface will form"
    ;;
esac

if [ $fails -ne 0 ]; then
  echo "explain $case_name: $fails check(s) failed"
  exit 1
fi
echo "explain $case_name: all checks passed"
exit 0
