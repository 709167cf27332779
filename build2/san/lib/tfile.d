build2/san/lib/tfile.o: user/lib/tfile.c user/lib/tfile.h \
 user/lib/alloc.h user/lib/file.h
user/lib/tfile.h:
user/lib/alloc.h:
user/lib/file.h:
