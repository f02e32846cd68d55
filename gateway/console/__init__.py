"""The staff console (工作台): server-rendered pages with a little vanilla JavaScript, the shared 长辈模式 style,
and the offline API docs. The pages call the gateway's own public REST API from the browser with the staff
member's Bearer token; nothing here reaches a service or a database."""
