build2/san/profile/pprofread.o: user/profile/pprofread.c \
 user/profile/pprofread.h user/profile/profile.h include/sampler.h \
 user/lib/htab.h user/profile/counters.h user/lib/alloc.h user/lib/file.h \
 user/lib/gzip.h user/profile/pprofev.h user/profile/pprofschema.h \
 user/profile/pproftab.h user/lib/proto.h
user/profile/pprofread.h:
user/profile/profile.h:
include/sampler.h:
user/lib/htab.h:
user/profile/counters.h:
user/lib/alloc.h:
user/lib/file.h:
user/lib/gzip.h:
user/profile/pprofev.h:
user/profile/pprofschema.h:
user/profile/pproftab.h:
user/lib/proto.h:
