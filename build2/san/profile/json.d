build2/san/profile/json.o: user/profile/json.c user/profile/json.h \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/lib/alloc.h user/lib/file.h
user/profile/json.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/lib/alloc.h:
user/lib/file.h:
