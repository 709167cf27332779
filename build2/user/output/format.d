build2/user/output/format.o: user/output/format.c user/output/format.h \
 user/lib/file.h user/lib/msg.h user/output/coldlist.h \
 user/deadcode/deadcode.h user/lib/htab.h user/output/folded.h \
 user/profile/profile.h include/sampler.h user/profile/counters.h \
 user/output/html.h user/output/pprof.h user/output/text.h \
 user/profile/json.h
user/output/format.h:
user/lib/file.h:
user/lib/msg.h:
user/output/coldlist.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/output/folded.h:
user/profile/profile.h:
include/sampler.h:
user/profile/counters.h:
user/output/html.h:
user/output/pprof.h:
user/output/text.h:
user/profile/json.h:
