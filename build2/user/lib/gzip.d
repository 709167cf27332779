build2/user/lib/gzip.o: user/lib/gzip.c user/lib/gzip.h user/lib/alloc.h
user/lib/gzip.h:
user/lib/alloc.h:
