build2/san/output/coldlist.o: user/output/coldlist.c \
 user/output/coldlist.h user/deadcode/deadcode.h user/lib/htab.h \
 user/lib/str.h
user/output/coldlist.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/lib/str.h:
