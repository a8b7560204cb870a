#ifndef UTIL_ESCAPE_H
#define UTIL_ESCAPE_H

/*
 * The one table of characters markup must escape, for HTML pages
 * (kiosk/html.c), SVG (receipt/qr.c) and TwiML (sms/twilio.c): & < > "
 * and ', each to an entity valid in both HTML and XML, so text is inert
 * in element content and quoted attribute values alike. NULL for a
 * character that stands as it is.
 */
const char *escape_entity(unsigned char c);

#endif
