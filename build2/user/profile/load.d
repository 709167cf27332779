build2/user/profile/load.o: user/profile/load.c user/profile/load.h \
 user/profile/profile.h include/sampler.h user/lib/htab.h \
 user/profile/counters.h user/profile/json.h user/profile/pprofread.h
user/profile/load.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/profile/json.h:
user/profile/pprofread.h:
