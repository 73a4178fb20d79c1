# Copies the page's static files into the web build's site/ folder. Run at every build of the
# `web` preset by CMakeLists.txt beside it:
#
#   cmake -DSOURCE=dir -DDESTINATION=dir -DFILES=index.html,app.js,style.css
#         -DREQUIRED=index.html -P copy_site.cmake
#
# Only the named files are copied, and only those that changed. A required file that is missing
# fails the build; another is reported, and an old copy of it removed, so the folder never
# serves a file that the sources no longer have.
cmake_minimum_required(VERSION 3.25)  # IN_LIST, file(COPY_FILE)
string(REPLACE "," ";" FILES "${FILES}")
string(REPLACE "," ";" REQUIRED "${REQUIRED}")
file(MAKE_DIRECTORY "${DESTINATION}")
foreach(name IN LISTS FILES)
    set(from "${SOURCE}/${name}")
    set(to "${DESTINATION}/${name}")
    if(EXISTS "${from}")
        file(COPY_FILE "${from}" "${to}" ONLY_IF_DIFFERENT)
    elseif(name IN_LIST REQUIRED)
        message(FATAL_ERROR "copy_site.cmake: ${from} is missing")
    else()
        message(STATUS "copy_site.cmake: ${from} is missing: the page goes without it")
        file(REMOVE "${to}")
    endif()
endforeach()
