build2/user/output/folded.o: user/output/folded.c user/output/folded.h \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/lib/alloc.h user/lib/str.h
user/output/folded.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/lib/alloc.h:
user/lib/str.h:
