package main

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/guangling/pipeline/internal/bench"
)

// floor is what the service's get and list are measured against: the
// least this stack does for the same answers. A gin engine with no
// middleware and no authentication, pgx with no ORM (its statements
// prepared and cached, as the service's are), and the JSON built by
// PostgreSQL (row_to_json, json_agg, as PostgREST does) and sent as it
// comes (docs/performance.md).
func floor(pool *pgxpool.Pool, q bench.FloorSQL) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	answer := func(c *gin.Context, sql string, args ...any) {
		var body []byte
		err := pool.QueryRow(c.Request.Context(), sql, args...).Scan(&body)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			c.Status(http.StatusNotFound)
		case err != nil:
			c.String(http.StatusInternalServerError, err.Error())
		default:
			c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		}
	}
	r.GET("/api/v1/projects/:id", func(c *gin.Context) { answer(c, q.Get, c.Param("id")) })
	r.GET("/api/v1/projects", func(c *gin.Context) {
		limit, err := strconv.Atoi(c.DefaultQuery("limit", "20"))
		if err != nil || limit < 1 || limit > 100 {
			c.Status(http.StatusBadRequest)
			return
		}
		answer(c, q.List, c.Query("stage"), limit)
	})
	return r
}
