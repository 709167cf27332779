build2/san/deadcode/edit.o: user/deadcode/edit.c user/deadcode/edit.h \
 user/lib/alloc.h user/lib/file.h user/lib/msg.h
user/deadcode/edit.h:
user/lib/alloc.h:
user/lib/file.h:
user/lib/msg.h:
