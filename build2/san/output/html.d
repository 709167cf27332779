build2/san/output/html.o: user/output/html.c user/output/html.h \
 user/deadcode/deadcode.h user/lib/htab.h user/lib/alloc.h \
 user/lib/file.h user/lib/msg.h user/lib/str.h build2/gen/html_css.h
user/output/html.h:
user/deadcode/deadcode.h:
user/lib/htab.h:
user/lib/alloc.h:
user/lib/file.h:
user/lib/msg.h:
user/lib/str.h:
build2/gen/html_css.h:
