# Writes OUT (uphill/version.h) with the project version and `git describe` of SRC, at
# build time, so a binary built after a new commit reports that commit. The file is only
# rewritten when its text changes, which keeps rebuilds incremental.
execute_process(COMMAND git describe --always --dirty --tags
                WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT describe)
  set(describe "unknown")
endif()
set(text "#pragma once\n#define UPHILL_VERSION \"${VERSION} (${describe})\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
