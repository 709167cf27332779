build2/user/lib/srccache.o: user/lib/srccache.c user/lib/srccache.h \
 user/lib/alloc.h user/lib/htab.h user/lib/tfile.h
user/lib/srccache.h:
user/lib/alloc.h:
user/lib/htab.h:
user/lib/tfile.h:
