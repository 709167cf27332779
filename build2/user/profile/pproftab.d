build2/user/profile/pproftab.o: user/profile/pproftab.c \
 user/profile/pproftab.h user/lib/htab.h user/lib/proto.h \
 user/lib/alloc.h user/profile/pprofschema.h
user/profile/pproftab.h:
user/lib/htab.h:
user/lib/proto.h:
user/lib/alloc.h:
user/profile/pprofschema.h:
