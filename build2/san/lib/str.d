build2/san/lib/str.o: user/lib/str.c user/lib/str.h user/lib/alloc.h \
 user/lib/msg.h
user/lib/str.h:
user/lib/alloc.h:
user/lib/msg.h:
