<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="en">
<context>
    <name>ActivityLogViewer</name>
    <message numerus="yes">
        <source>Showing {shown} entries</source>
        <translation>
            <numerusform>Showing {shown} entry</numerusform>
            <numerusform>Showing {shown} entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Showing {shown} of {total} entries</source>
        <translation>
            <numerusform>Showing {shown} of {total} entry</numerusform>
            <numerusform>Showing {shown} of {total} entries</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported {count} entries to {path}</source>
        <translation>
            <numerusform>Exported {count} entry to {path}</numerusform>
            <numerusform>Exported {count} entries to {path}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LoginWindow</name>
    <message numerus="yes">
        <source>Too many sign-in attempts. Try again in %n second(s).</source>
        <translation>
            <numerusform>Too many sign-in attempts. Try again in %n second.</numerusform>
            <numerusform>Too many sign-in attempts. Try again in %n seconds.</numerusform>
        </translation>
    </message>
</context>
</TS>