build2/san/lib/file.o: user/lib/file.c user/lib/file.h user/lib/alloc.h \
 user/lib/msg.h
user/lib/file.h:
user/lib/alloc.h:
user/lib/msg.h:
