build2/san/lib/proto.o: user/lib/proto.c user/lib/proto.h \
 user/lib/alloc.h
user/lib/proto.h:
user/lib/alloc.h:
