build2/san/cli/report.o: user/cli/report.c user/cli/cmd.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/format.h \
 user/lib/msg.h user/profile/load.h user/profile/profile.h \
 include/sampler.h user/profile/counters.h
user/cli/cmd.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/format.h:
user/lib/msg.h:
user/profile/load.h:
user/profile/profile.h:
include/sampler.h:
user/profile/counters.h:
