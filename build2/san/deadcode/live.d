build2/san/deadcode/live.o: user/deadcode/live.c user/deadcode/deadcode.h \
 user/lib/htab.h user/deadcode/ignorefile.h user/lib/alloc.h \
 user/lib/msg.h
user/deadcode/deadcode.h:
user/lib/htab.h:
user/deadcode/ignorefile.h:
user/lib/alloc.h:
user/lib/msg.h:
