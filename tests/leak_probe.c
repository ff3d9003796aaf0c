/* Test helper for check_leaks.py: leaks one PetscMalloc'ed block on purpose, so the test can
 * confirm that -malloc_debug -malloc_dump reports an unfreed block in the form it then asserts
 * is absent from every uphill run ("[ 0] 112 bytes main() at leak_probe.c:LINE"). */
#include <petscsys.h>

int main(int argc, char **argv)
{
  void *p;

  PetscCall(PetscInitialize(&argc, &argv, NULL, "leak_probe: leaks 100 bytes on purpose"));
  PetscCall(PetscMalloc(100, &p));
  PetscCall(PetscFinalize());
  return 0;
}
