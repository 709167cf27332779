build2/san/deadcode/ignorefile.o: user/deadcode/ignorefile.c \
 user/deadcode/ignorefile.h user/lib/alloc.h user/lib/msg.h \
 user/lib/file.h
user/deadcode/ignorefile.h:
user/lib/alloc.h:
user/lib/msg.h:
user/lib/file.h:
